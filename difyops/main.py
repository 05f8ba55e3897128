"""The `difyops` command line: `difyops <noun> <verb>`.

Wiring only; each group lives in `difyops/commands/`.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Annotated, Any, Literal

import typer

# typer vendors click since 0.29; TyperGroup.invoke is typed with the vendored Context.
from typer._click.core import Command as ClickCommand
from typer._click.core import Context as ClickContext
from typer._click.exceptions import ClickException
from typer.core import TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from difyops._examples import epilog
from difyops._help import install as install_help
from difyops._options import JSON_META_KEY
from difyops.exceptions import ExitCode

DETAILED_EXITCODE = "--detailed-exitcode"
DETAILED_META_KEY = "difyops.detailed_exitcode"
PATH_META_KEY = "difyops.command_path"
# Commands whose exit code 2 always means "found differences", as under --detailed-exitcode.
ALWAYS_DETAILED = {"drift"}

HELP = """GitOps for Dify: back up, diff, promote and manage Dify apps and workspaces.

Sign in once with `difyops auth login --host URL` (or set DIFY_SERVER and DIFY_TOKEN in
CI), then run `difyops <noun> <verb>`. Every command takes --json for scripts.

Exit codes: 0 ok · 1 error · 2 usage · 3 refused by a guard (nothing changed; the
message names the override) · 4 authentication (not signed in, token rejected, sign-in
denied or expired) · 7 rate limited (retry later) · 130 cancelled (Ctrl-C, or an
apply not approved).
"""


install_help()

# Every command, in the order `difyops --help` lists them, with its one-line help: the
# root help and the start-up of any one command import no other command's module (and
# so not the client, the DSL engine or git). tests/cli/test_startup_cli.py checks that
# these lines are the commands' own.
COMMANDS: dict[str, tuple[str, str]] = {
    "restore": ("restore", "Re-import a past version of an app from the backup repository."),
    "drift": (
        "drift",
        "Compare a workspace's live apps with their desired state; exit 2 when anything drifted.",
    ),
    "auth": ("auth", "Sign in and out, and see who you are signed in as."),
    "sessions": ("sessions", "List and revoke your sessions (devices signed in)."),
    "workspaces": ("workspaces", "See and choose workspaces."),
    "members": ("members", "Workspace members."),
    "apps": (
        "apps",
        "Apps: list, describe, export and import DSL; run them and answer their forms.",
    ),
    "dsl": ("dsl", "Understand app DSLs: semantic diff and checks."),
    "backup": ("backup", "Back up app DSLs into a git repository."),
    "promote": (
        "promote",
        "Promote apps from a workspace (or a backup's git ref) to another workspace.",
    ),
    "smoke": ("smoke", "Smoke tests: run apps with known inputs and check what comes back."),
    "emulator": ("emulator", "The bundled local emulator of Dify's OpenAPI v1."),
}
SINGLE_COMMANDS = {"restore", "drift"}  # commands of their own, not groups of verbs
MARKUP: Literal["markdown"] = "markdown"


def load_command(name: str) -> ClickCommand:
    """The click command of `name`, importing its module now, with its examples."""
    command = _build_command(name)
    _add_examples(command, name)
    return command


def _add_examples(command: ClickCommand, path: str) -> None:
    if command.epilog is None:
        command.epilog = epilog(path)
    for sub_name, sub in getattr(command, "commands", {}).items():
        _add_examples(sub, f"{path} {sub_name}")


def _build_command(name: str) -> ClickCommand:
    module = importlib.import_module(f"difyops.commands.{COMMANDS[name][0]}")
    if name == "restore":
        return get_command_from_info(
            CommandInfo(name="restore", callback=module.restore),
            pretty_exceptions_short=True,
            rich_markup_mode=MARKUP,
        )
    if name == "drift":
        return get_command_from_info(
            CommandInfo(name="drift", callback=module.drift, help=module.HELP),
            pretty_exceptions_short=True,
            rich_markup_mode=MARKUP,
        )
    sub: typer.Typer = module.app
    if name == "apps" and not sub.registered_groups:
        # Runs and releases are verbs of `apps`, kept in modules of their own.
        for extra in ("runs", "releases"):
            importlib.import_module(f"difyops.commands.{extra}").register(sub)
    return get_group_from_info(
        TyperInfo(sub, name=name),
        pretty_exceptions_short=True,
        suggest_commands=True,
        rich_markup_mode=MARKUP,
    )


class DifyopsGroup(TyperGroup):
    """The root group: loads a command's module when it is used, and renders every
    command's exceptions here, once."""

    _listing = False  # while the root help is drawn: one-line stubs, no imports
    _loaded: dict[str, ClickCommand]

    def list_commands(self, ctx: ClickContext) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: ClickContext, cmd_name: str) -> ClickCommand | None:
        if cmd_name not in COMMANDS:
            return None
        if self._listing:
            return TyperGroup(name=cmd_name, help=COMMANDS[cmd_name][1])
        loaded: dict[str, ClickCommand] = self.__dict__.setdefault("_loaded", {})
        if cmd_name not in loaded:
            loaded[cmd_name] = load_command(cmd_name)
        return loaded[cmd_name]

    def format_help(self, ctx: ClickContext, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        # Looked for in the whole command line, before any subcommand parses it: a usage
        # error there (a mistyped option) leaves no parsed --detailed-exitcode to read.
        # Arguments after `--` are operands, not options.
        options = args[: args.index("--")] if "--" in args else args
        ctx.meta[DETAILED_META_KEY] = DETAILED_EXITCODE in options or bool(
            ALWAYS_DETAILED.intersection(options[:1])
        )
        # Likewise --json: a usage error is raised before the option's callback runs.
        ctx.meta[JSON_META_KEY] = "--json" in options
        ctx.meta[PATH_META_KEY] = self._command_path(ctx, options)
        try:
            return super().parse_args(ctx, args)
        except ClickException as exc:
            self._usage_error(ctx, exc)
            raise  # not reached: _usage_error raises or exits

    def _command_path(self, ctx: ClickContext, args: list[str]) -> str:
        """`difyops apps import`: the command the arguments name, for a hint."""
        words: list[str] = [ctx.info_name or "difyops"]
        command: Any = self
        for arg in args:
            found = command.commands.get(arg) if hasattr(command, "commands") else None
            if found is None:
                break
            words.append(arg)
            command = found
        return " ".join(words)

    def _usage_error(self, ctx: ClickContext, exc: ClickException) -> None:
        """Click's usage errors (a mistyped option, a missing argument), as a JSON error
        under --json; exit 2, or 1 where 2 means "changes"."""
        detailed = bool(ctx.meta.get(DETAILED_META_KEY))
        exit_code = getattr(exc, "exit_code", 1)
        if detailed and exit_code == ExitCode.USAGE:
            exit_code = int(ExitCode.ERROR)
        if not ctx.meta.get(JSON_META_KEY):
            if exit_code == getattr(exc, "exit_code", 1):
                raise exc  # Typer's own rendering
            exc.show()
            ctx.exit(exit_code)
        failed = getattr(exc, "ctx", None) or ctx
        error = {
            "code": "usage",
            "message": exc.format_message(),
            "hint": f"Run `{failed.command_path} --help` for the arguments and options.",
        }
        sys.stderr.write(json.dumps({"error": error}, ensure_ascii=False) + "\n")
        sys.stderr.flush()
        ctx.exit(exit_code)

    def invoke(self, ctx: ClickContext) -> Any:
        # With --detailed-exitcode, 2 means "changes"; a usage mistake must then read as an
        # error (1), or a CI step with a typo would pass for "there are changes".
        detailed = bool(ctx.meta.get(DETAILED_META_KEY))
        try:
            return super().invoke(ctx)
        except ClickException as exc:
            self._usage_error(ctx, exc)
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            # `difyops … | head` closed the pipe: not an error; drop further output.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(int(ExitCode.OK))
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 — the single boundary
            # Imported on failure only: it knows every layer's exceptions.
            from difyops._errors import render_error  # noqa: PLC0415

            code = render_error(
                exc,
                json_mode=bool(ctx.meta.get(JSON_META_KEY)),
                usage_hint=f"Run `{ctx.meta.get(PATH_META_KEY, 'difyops')} --help` for its usage.",
            )
            ctx.exit(int(ExitCode.ERROR) if detailed and code == ExitCode.USAGE else code)


app = typer.Typer(
    cls=DifyopsGroup,
    help=HELP,
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def version_text() -> str:
    # Imported here: importlib.metadata costs ~0.1 s of every start-up otherwise.
    from importlib.metadata import PackageNotFoundError  # noqa: PLC0415
    from importlib.metadata import version as package_version  # noqa: PLC0415

    try:
        return package_version("difyops")
    except PackageNotFoundError:  # pragma: no cover — run from a tree never installed
        return "unknown"


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    show_version: Annotated[
        bool, typer.Option("--version", help="Print the version of difyops and exit.")
    ] = False,
    server: Annotated[
        bool,
        typer.Option(
            "--server",
            help="With --version: also the version of the server (--profile, else the default).",
        ),
    ] = False,
    profile: Annotated[
        str | None, typer.Option("--profile", "-p", help="With --version --server: the profile.")
    ] = None,
) -> None:
    if not show_version:
        if server or profile or ctx.invoked_subcommand is None:
            raise typer.BadParameter(
                "--server and --profile before a command go with --version only"
            )
        return
    typer.echo(f"difyops {version_text()}")
    if server:
        from difyops.commands.version import print_server_version  # noqa: PLC0415

        print_server_version(profile or os.environ.get("DIFYOPS_PROFILE") or None)
    raise typer.Exit(int(ExitCode.OK))


def main() -> None:
    app(prog_name="difyops")


if __name__ == "__main__":
    main()
