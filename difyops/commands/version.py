"""`difyops --version --server`: the version the server reports, next to ours."""

from __future__ import annotations

import typer

from dify_client import DifyConnectionError, NotADifyServerError
from difyops.connection import open_client


def print_server_version(profile: str | None) -> None:
    """One line naming the server, its Dify version and edition (from `/_version`)."""
    with open_client(profile) as (connection, client):
        try:
            server = client.probe()
        except (DifyConnectionError, NotADifyServerError) as exc:
            typer.echo(f"server {connection.host}: unknown ({exc.message})")
            raise typer.Exit(1) from None
    typer.echo(f"server {connection.host}: Dify {server.version} ({server.edition})")
