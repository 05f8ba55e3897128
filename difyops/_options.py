"""Options shared by every command, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from difyops._completion import complete_profiles, complete_workspaces
from difyops.exceptions import UsageError

JSON_META_KEY = "difyops.json"


def _remember_json(ctx: typer.Context, value: bool) -> bool:
    # The error boundary sits on the root group; it reads this to answer in JSON too.
    if value:
        ctx.find_root().meta[JSON_META_KEY] = True
    return value


JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print machine-readable JSON on stdout (errors as JSON on stderr).",
        callback=_remember_json,
        is_eager=True,
    ),
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        help="Profile to use (default: the default profile; DIFY_SERVER/DIFY_TOKEN win).",
        envvar="DIFYOPS_PROFILE",
        autocompletion=complete_profiles,
    ),
]
WorkspaceOption = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace id or name (default: DIFY_WORKSPACE_ID, then the profile's).",
        autocompletion=complete_workspaces,
    ),
]

RateLimitOption = Annotated[
    int, typer.Option(min=1, help="Requests per minute to stay under (Dify allows 60).")
]

ForceOption = Annotated[
    bool, typer.Option("--force", help="Overwrite the --out file if it exists.")
]


def refuse_overwrite(path: Path | None, *, force: bool) -> None:
    """Every command that writes a file (`--out/-o`) refuses to replace an existing one
    unless `--force`, and a directory even then; called before any work, so nothing is
    computed for nothing."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(
            f"{path}: Is a directory",
            hint="Give --out the path of a file (a new one, or an existing one with --force).",
        )
    if not force and (path.exists() or path.is_symlink()):
        raise UsageError(
            f"{path} exists; not overwriting it",
            hint="Pass --force to overwrite it, or give another --out.",
        )


FullValuesOption = Annotated[
    bool,
    typer.Option(
        "--full-values",
        help="Also show every shortened value whole, as a line diff (prompt edits).",
    ),
]
