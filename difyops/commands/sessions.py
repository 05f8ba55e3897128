"""`difyops sessions list|revoke`: the bearer tokens your account has handed out."""

from __future__ import annotations

from typing import Annotated

import typer

from difyops._options import JsonOption, ProfileOption
from difyops._output import Output
from difyops.exceptions import UsageError

app = typer.Typer(help="List and revoke your sessions (devices signed in).", no_args_is_help=True)


@app.command("list")
def list_sessions(profile: ProfileOption = None, json_output: JsonOption = False) -> None:
    """Every live session of your account; `*` marks the one this profile uses."""
    # Imported here, as in every command: `--help` loads no client.
    from dify_client import MAX_PAGE_LIMIT  # noqa: PLC0415
    from difyops.connection import open_client  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        sessions = client.sessions.list(limit=MAX_PAGE_LIMIT).all()
    current = connection.profile.token_id if connection.profile else None
    if json_output:
        out.json([{**s.model_dump(mode="json"), "current": s.id == current} for s in sessions])
        return
    out.table(
        ["", "ID", "DEVICE", "CLIENT", "CREATED", "LAST USED", "EXPIRES"],
        [
            [
                "*" if s.id == current else "",
                s.id,
                s.device_label,
                s.client_id,
                s.created_at,
                s.last_used_at or "never",
                s.expires_at,
            ]
            for s in sessions
        ],
        empty="no live sessions",
    )


@app.command()
def revoke(
    session_ids: Annotated[list[str] | None, typer.Argument(help="Session ids to revoke.")] = None,
    all_others: Annotated[
        bool, typer.Option("--all-others", help="Revoke every session except this one.")
    ] = False,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Revoke sessions by id (the next call with such a token gets 401).

    Revoking the session this profile uses also signs this profile out locally.
    """
    from dify_client import MAX_PAGE_LIMIT  # noqa: PLC0415
    from dify_client.profiles import CredentialStore, ProfileStore  # noqa: PLC0415
    from difyops.connection import open_client  # noqa: PLC0415

    out = Output(json_mode=json_output)
    if bool(session_ids) == all_others:
        raise UsageError("give session ids or --all-others (not both)")
    with open_client(profile) as (connection, client):
        current = connection.profile.token_id if connection.profile else None
        if all_others:
            targets = [s.id for s in client.sessions.list(limit=MAX_PAGE_LIMIT) if s.id != current]
        else:
            targets = list(session_ids or [])
        for session_id in targets:
            client.sessions.revoke(session_id)
    signed_out = current is not None and current in targets
    if signed_out and connection.profile and connection.profile_name:
        CredentialStore().delete(connection.profile.host, connection.profile.email)
        ProfileStore().remove(connection.profile_name)
    out.result(
        {"revoked": targets, "signed_out": signed_out},
        f"Revoked {len(targets)} session(s)"
        + (" including this one; signed out." if signed_out else "."),
    )
