"""The `difyops` command line: `difyops <noun> <verb>`.

Wiring only; each group lives in `difyops/commands/`.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import typer

# typer vendors click since 0.29; TyperGroup.invoke is typed with the vendored Context.
from typer._click.core import Context as ClickContext
from typer._click.exceptions import ClickException
from typer.core import TyperGroup

from difyops._errors import render_error
from difyops._options import JSON_META_KEY
from difyops.commands import (
    apps,
    auth,
    backup,
    drift,
    dsl,
    emulator,
    members,
    promote,
    releases,
    restore,
    runs,
    sessions,
    smoke,
    workspaces,
)
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
denied or expired) · 7 rate limited (retry later) · 130 cancelled.
"""


class DifyopsGroup(TyperGroup):
    """The root group: every command's exceptions are rendered here, once."""

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
app.add_typer(auth.app, name="auth")
app.add_typer(sessions.app, name="sessions")
app.add_typer(workspaces.app, name="workspaces")
app.add_typer(members.app, name="members")
runs.register(apps.app)
releases.register(apps.app)
app.add_typer(apps.app, name="apps")
app.add_typer(dsl.app, name="dsl")
app.add_typer(backup.app, name="backup")
app.add_typer(promote.app, name="promote")
app.command("restore")(restore.restore)
app.add_typer(smoke.app, name="smoke")
app.command("drift", help=drift.HELP)(drift.drift)
app.add_typer(emulator.app, name="emulator")


def main() -> None:
    app(prog_name="difyops")


if __name__ == "__main__":
    main()
