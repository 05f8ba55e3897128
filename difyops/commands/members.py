"""`difyops members list` (plan/apply/export of a manifest come with the members issue)."""

from __future__ import annotations

import typer

from difyops._options import JsonOption, ProfileOption, WorkspaceOption
from difyops._output import Output
from difyops.connection import open_client, resolve_workspace

app = typer.Typer(help="Workspace members.", no_args_is_help=True)


@app.command("list")
def list_members(
    workspace: WorkspaceOption = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Every member of a workspace, pending invitees included (status `pending`)."""
    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        choice = resolve_workspace(client, connection, workspace)
        members = list(client.members.iter_all(choice.id))
    if json_output:
        out.json(members)
        return
    out.table(
        ["EMAIL", "NAME", "ROLE", "STATUS", "ID"],
        [[m.email, m.name, m.role, m.status, m.id] for m in members],
        empty="no members",
    )
