"""`difyops apps versions|publish`: what is live, on a Dify server that can publish (S3).

An S2 server has neither operation: the client raises UnsupportedOperationError, which
names the server and says to upgrade it or publish in the console.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from difyops._options import JsonOption, ProfileOption, WorkspaceOption
from difyops._output import Output
from difyops.commands.apps import AppArgument, resolve_app, workspace_for
from difyops.exceptions import DifyopsError, ExitCode


class DraftNotReadyError(DifyopsError):
    """Dify's release check failed: publishing now would put an untested draft live."""

    exit_code = ExitCode.UNSAFE
    code = "draft_not_ready"


def register(group: typer.Typer) -> None:
    group.command("versions")(versions)
    group.command("publish")(publish)


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def versions(
    app_ref: AppArgument,
    workspace: WorkspaceOption = None,
    named_only: Annotated[
        bool, typer.Option("--named-only", help="Only versions published with a name.")
    ] = False,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Published versions of an app, newest first; `*` marks the one its runs use.

    Restore one into the draft with `difyops restore`, or in the console.
    """
    from difyops.connection import open_client  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        app_id = resolve_app(client, workspace_for(client, connection, workspace, app_ref), app_ref)
        with out.busy("listing versions…"):
            rows = list(client.releases.iter_versions(app_id, named_only=named_only))
    if json_output:
        out.json(rows)
        return
    out.table(
        ["LIVE", "VERSION", "PUBLISHED (UTC)", "NAME", "COMMENT"],
        [
            ["*" if v.current else "", v.id, _when(v.created_at), v.marked_name, v.marked_comment]
            for v in rows
        ],
        empty="never published: runs fail until the draft is published",
    )


def publish(
    app_ref: AppArgument,
    workspace: WorkspaceOption = None,
    name: Annotated[
        str, typer.Option("--name", help="The version's name (at most 20 characters).")
    ] = "",
    comment: Annotated[
        str, typer.Option("--comment", help="What changed (at most 100 characters).")
    ] = "",
    force: Annotated[
        bool,
        typer.Option("--force", help="Publish even when Dify's release check is not ready."),
    ] = False,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Publish an app's draft: it becomes the version every run uses.

    Dify's release check runs first (the draft is valid, a draft test run succeeded);
    when it is not ready nothing is published (exit 3) unless --force. Review the
    change first with `difyops dsl diff` or `difyops promote plan`.
    """
    from difyops.connection import open_client  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        app_id = resolve_app(client, workspace_for(client, connection, workspace, app_ref), app_ref)
        check = client.releases.check(app_id)
        failing = [c for c in check.checks if not c.passed]
        if failing and not force:
            reasons = "; ".join(f"{c.name}: {c.detail}" for c in failing)
            raise DraftNotReadyError(
                f"the draft is not ready to publish ({reasons})",
                hint="Test-run the draft in Dify's console (or fix what the check names), "
                "then publish again; --force publishes anyway.",
            )
        published = client.releases.publish(app_id, marked_name=name, marked_comment=comment)
    if json_output:
        out.json({"app_id": app_id, "published": published, "forced": bool(failing)})
        return
    out.success(f"published version {published.version_id} of {app_ref}: runs use it now")
    if failing:
        out.line(f"  published despite: {', '.join(c.name for c in failing)} (--force)")
    if published.warning:
        out.line(f"  warning from Dify: {published.warning}")
