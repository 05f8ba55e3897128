"""`difyops dsl diff|check`: semantic diff and checks of app DSL files."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from difyops._errors import classify
from difyops._options import FullValuesOption, JsonOption, ProfileOption, WorkspaceOption
from difyops._output import Output
from difyops.commands.apps import resolve_app, workspace_for
from difyops.connection import open_client
from difyops.exceptions import DifyopsError, ExitCode
from dsl import (
    DslDocument,
    check_file,
    check_stream,
    diff_documents,
    load_file,
    load_text,
    read_text_stream,
    render_check_text,
    render_full_values,
    render_markdown,
    render_rich,
)

app = typer.Typer(help="Understand app DSLs: semantic diff and checks.", no_args_is_help=True)

APP_PREFIX = "app:"
STDIN = "-"
STDIN_SOURCE = "<stdin>"
SIDE_HELP = "A DSL file, - for standard input, or app:<id|name> for a live export."


class DiffTrouble(DifyopsError):
    """`dsl diff` follows diff(1): 0 same, 1 different, 2 trouble."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, code: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help=SIDE_HELP)],
    new: Annotated[str, typer.Argument(help=SIDE_HELP)],
    ignore_position: Annotated[
        bool, typer.Option("--ignore-position", help="Ignore node moves on the canvas.")
    ] = False,
    output_format: Annotated[
        Literal["text", "markdown"], typer.Option("--format", help="Human output format.")
    ] = "text",
    full_values: FullValuesOption = False,
    workspace: WorkspaceOption = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Show what really changed between two app DSLs (canvas noise ignored).

    Exit status like diff(1): 0 when they behave the same (layout and export-time churn
    such as the DSL version do not count), 1 when they differ, 2 on trouble. Secret values
    are never shown.
    """
    out = Output(json_mode=json_output)
    if old == new == STDIN:
        raise DiffTrouble("only one side can be - (standard input)", code="usage")
    if STDIN in (old, new):
        _note_stdin(out)
    try:
        old_doc, new_doc = _load_pair(old, new, workspace, profile)
        result = diff_documents(old_doc, new_doc, ignore_position=ignore_position)
    except Exception as exc:
        raise _trouble(exc) from exc
    if json_output:
        out.json(result.to_json())
    elif output_format == "markdown":
        out.out.print(render_markdown(result), markup=False)
        if full_values and (whole := render_full_values(result.to_json())):
            out.out.print(f"\n```diff\n{whole}```", markup=False)
    else:
        out.out.print(render_rich(result))
        if full_values and (whole := render_full_values(result.to_json())):
            out.out.print("\n" + whole.rstrip("\n"), markup=False, highlight=False)
    raise typer.Exit(result.exit_code)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="The DSL file to check (- for standard input).")],
    current_version: Annotated[
        str | None,
        typer.Option(help="The target server's DSL version, to say how an import would go."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Parse a DSL and report problems with file:line:column locations.

    Checks the version, credential-looking values, and references to nodes or variables
    that do not exist. Exit 0 when there are no errors, 1 otherwise.
    """
    out = Output(json_mode=json_output)
    if str(file) == STDIN:
        _note_stdin(out)
        report = check_stream(sys.stdin.buffer, current_version=current_version)
    else:
        report = check_file(file, current_version=current_version)
    if json_output:
        out.json(report.to_json())
    else:
        out.out.print(render_check_text(report), markup=False)
    raise typer.Exit(report.exit_code)


def _trouble(exc: Exception) -> Exception:
    """What `dsl diff` raises for an error: diff(1)'s "trouble" (2), so that no failure
    reads as "different" (1). Sign-in, rate-limit and cancel keep their own codes; with
    DIFYOPS_DEBUG an unexpected error keeps its traceback."""
    exit_code, code, message, hint, _ = classify(exc)
    if exit_code != ExitCode.ERROR or (code == "internal" and os.environ.get("DIFYOPS_DEBUG")):
        return exc
    return DiffTrouble(message, code=code, hint=hint)


def _note_stdin(out: Output) -> None:
    if sys.stdin.isatty():
        out.note("reading the DSL from standard input (end it with Ctrl-D)")


def _load_local(side: str) -> DslDocument:
    if side == STDIN:
        return load_text(read_text_stream(sys.stdin.buffer), source=STDIN_SOURCE)
    return load_file(side)


def _load_pair(
    old: str, new: str, workspace: str | None, profile: str | None
) -> tuple[DslDocument, DslDocument]:
    if not (old.startswith(APP_PREFIX) or new.startswith(APP_PREFIX)):
        return _load_local(old), _load_local(new)
    with open_client(profile) as (connection, client):
        loaded = []
        for side in (old, new):
            if side.startswith(APP_PREFIX):
                ref = side.removeprefix(APP_PREFIX)
                app_id = resolve_app(client, workspace_for(client, connection, workspace, ref), ref)
                loaded.append(load_text(client.dsl.export(app_id), source=side))
            else:
                loaded.append(_load_local(side))
    return loaded[0], loaded[1]
