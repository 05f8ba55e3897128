"""`difyops workspaces list|show|switch`."""

from __future__ import annotations

from typing import Annotated

import typer

from difyops._completion import complete_workspaces, remember_workspaces
from difyops._options import JsonOption, ProfileOption
from difyops._output import Output

app = typer.Typer(help="See and choose workspaces.", no_args_is_help=True)

WorkspaceArgument = Annotated[
    str | None,
    typer.Argument(
        help="Workspace id or exact name (default: the current one).",
        autocompletion=complete_workspaces,
    ),
]


@app.command("list")
def list_workspaces(profile: ProfileOption = None, json_output: JsonOption = False) -> None:
    """Every workspace your account belongs to; `*` marks the server-side current one."""
    # Imported here, as in every command: `--help` loads no client.
    from difyops.connection import open_client  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (_, client):
        workspaces = client.workspaces.list()
    remember_workspaces(client.base_url, workspaces)
    if json_output:
        out.json(workspaces)
        return
    out.table(
        ["", "NAME", "ROLE", "STATUS", "ID"],
        [["*" if w.current else "", w.name, w.role, w.status, w.id] for w in workspaces],
        empty="this account belongs to no workspace",
    )


@app.command()
def show(
    workspace: WorkspaceArgument = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Details of one workspace."""
    from difyops.connection import open_client, resolve_workspace  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        choice = resolve_workspace(client, connection, workspace)
        detail = client.workspaces.get(choice.id)
    out.result(
        detail,
        f"{detail.name}\n  id: {detail.id}\n  your role: {detail.role}\n  status: {detail.status}"
        f"\n  current: {'yes' if detail.current else 'no'}\n  created: {detail.created_at or '-'}",
    )


@app.command()
def switch(
    workspace: Annotated[
        str,
        typer.Argument(help="Workspace id or exact name.", autocompletion=complete_workspaces),
    ],
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Make a workspace current on the server and this profile's default."""
    from dify_client.profiles import ProfileStore  # noqa: PLC0415
    from difyops.connection import open_client, resolve_workspace  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        choice = resolve_workspace(client, connection, workspace)
        detail = client.workspaces.switch(choice.id)
    if connection.profile_name and connection.profile:
        updated = connection.profile.model_copy(
            update={"workspace_id": detail.id, "workspace_name": detail.name}
        )
        ProfileStore().upsert(connection.profile_name, updated, make_default=False)
    out.result(detail, f"Switched to {detail.name} ({detail.id}).")
