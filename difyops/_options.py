"""Options shared by every command, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

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
    ),
]
WorkspaceOption = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace id or name (default: DIFY_WORKSPACE_ID, then the profile's).",
    ),
]

RateLimitOption = Annotated[
    int, typer.Option(min=1, help="Requests per minute to stay under (Dify allows 60).")
]
FullValuesOption = Annotated[
    bool,
    typer.Option(
        "--full-values",
        help="Also show every shortened value whole, as a line diff (prompt edits).",
    ),
]
