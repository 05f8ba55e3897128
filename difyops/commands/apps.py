"""`difyops apps list|describe|export|import`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from difyops._options import (
    ForceOption,
    JsonOption,
    ProfileOption,
    WorkspaceOption,
    refuse_overwrite,
)
from difyops._output import Output
from difyops.exceptions import DifyopsError, UsageError

if TYPE_CHECKING:  # the client and the DSL engine are imported where used: not for `--help`
    from dify_client import DifyClient
    from dify_client.models import App, Import
    from difyops.connection import Connection, WorkspaceChoice

app = typer.Typer(
    help="Apps: list, describe, export and import DSL; run them and answer their forms.",
    no_args_is_help=True,
)

AppArgument = Annotated[str, typer.Argument(help="App id or exact app name.")]


@app.command("list")
def list_apps(
    workspace: WorkspaceOption = None,
    all_workspaces: Annotated[
        bool, typer.Option("--all-workspaces", "-A", help="List apps of every workspace.")
    ] = False,
    mode: Annotated[str | None, typer.Option(help="Only this mode, e.g. workflow.")] = None,
    name: Annotated[str | None, typer.Option(help="Only names containing this text.")] = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Apps the OpenAPI can see, walking every page.

    Dify hides apps whose Service API is switched off; turn it on in the app's
    "API Access" page to see (and back up) such an app.
    """
    from difyops.connection import WorkspaceChoice, open_client, resolve_workspace  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        if all_workspaces:
            targets = [WorkspaceChoice(w.id, w.name, "all") for w in client.workspaces.list()]
        else:
            targets = [resolve_workspace(client, connection, workspace)]
        rows: list[App] = []
        with out.busy("listing apps…"):
            for target in targets:
                rows.extend(client.apps.list(target.id, mode=mode, name=name, limit=200))
    if json_output:
        out.json(rows)
        return
    columns = ["NAME", "MODE", "UPDATED", "ID"] + (["WORKSPACE"] if all_workspaces else [])
    out.table(
        columns,
        [
            [a.name, a.mode, a.updated_at, a.id] + ([a.workspace_name] if all_workspaces else [])
            for a in rows
        ],
        empty="no apps visible (apps with the Service API off are hidden by Dify)",
    )


@app.command()
def describe(
    app_ref: AppArgument,
    workspace: WorkspaceOption = None,
    fields: Annotated[
        str | None, typer.Option(help="Comma-separated subset of info,parameters,input_schema.")
    ] = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """An app's info, parameters and input JSON Schema."""
    from difyops.connection import open_client  # noqa: PLC0415

    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        app_id = resolve_app(client, workspace_for(client, connection, workspace, app_ref), app_ref)
        description = client.apps.describe(app_id, fields=fields.split(",") if fields else None)
    if json_output:
        out.json(description)
        return
    info = description.info
    if info is not None:
        out.line(f"{info.name} ({info.mode})  id {info.id}", style="bold")
        out.line(f"  service API: {'on' if info.service_api_enabled else 'off'}")
        out.line(f"  updated: {info.updated_at or '-'}")
        if info.description:
            out.line(f"  {info.description}")
    schema = description.input_schema or {}
    inputs = schema.get("properties", {}).get("inputs", {})
    required = set(inputs.get("required", []))
    properties = inputs.get("properties", {})
    if properties:
        out.table(
            ["INPUT", "TYPE", "REQUIRED", "TITLE"],
            [
                [key, spec.get("type", "?"), "yes" if key in required else "no", spec.get("title")]
                for key, spec in properties.items()
            ],
        )


@app.command()
def export(
    app_ref: AppArgument,
    workspace: WorkspaceOption = None,
    output: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the DSL to this file."),
    ] = None,
    # The spelling before every writer said --out; kept so that scripts keep working.
    old_output: Annotated[Path | None, typer.Option("--output", hidden=True)] = None,
    force: ForceOption = False,
    include_secret: Annotated[
        bool,
        typer.Option(
            "--include-secret",
            help="Include secret environment values in clear text. Keep such files out of git.",
        ),
    ] = False,
    workflow_id: Annotated[
        str | None, typer.Option(help="Export this published workflow version, not the draft.")
    ] = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """An app's DSL as the server exports it (secrets blanked unless asked)."""
    from dify_client import write_atomic  # noqa: PLC0415
    from difyops.connection import open_client  # noqa: PLC0415

    if old_output is not None:
        if output is not None:
            raise UsageError("give --out once (--output is its old name)")
        output = old_output
    refuse_overwrite(output, force=force)
    out = Output(json_mode=json_output)
    with open_client(profile) as (connection, client):
        app_id = resolve_app(client, workspace_for(client, connection, workspace, app_ref), app_ref)
        text = client.dsl.export(app_id, include_secret=include_secret, workflow_id=workflow_id)
    if include_secret:
        out.warn("the DSL contains secret values in clear text; do not commit or share it")
    if output is not None:
        write_atomic(output, text, private=include_secret)
        out.result({"app_id": app_id, "path": str(output)}, None)
        out.note(f"DSL written to {output}")
    elif json_output:
        out.json({"app_id": app_id, "data": text})
    else:
        sys.stdout.write(text)


# Long mostly by its signature: Typer declares each flag as an annotated parameter.
@app.command("import")
def import_app(
    file: Annotated[
        Path | None, typer.Argument(help="DSL file to import ('-' reads standard input).")
    ] = None,
    url: Annotated[str | None, typer.Option(help="Import from a URL instead of a file.")] = None,
    workspace: WorkspaceOption = None,
    overwrite: Annotated[
        str | None,
        typer.Option(
            "--app",
            help="Overwrite this existing app (id or name; workflow and chatflow apps only).",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(help="Name for the app (default: the DSL's; with --app, the app's own)."),
    ] = None,
    description: Annotated[str | None, typer.Option(help="Override the description.")] = None,
    confirm_pending: Annotated[
        bool,
        typer.Option(
            "--confirm-pending",
            help="Confirm at once if the server holds the import as pending (DSL version "
            "mismatch). Without it a pending import is reported and left to expire.",
        ),
    ] = False,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """Import a DSL as a new app, or over an existing one, and report missing plugins.

    Exit status is 0 when the app was imported (with or without warnings), 1 when the
    import failed or was left pending.
    """
    from difyops.connection import open_client, resolve_workspace  # noqa: PLC0415

    out = Output(json_mode=json_output)
    if (file is None) == (url is None):
        raise UsageError("give a DSL file or --url (one of them)")
    content = None
    if file is not None:
        content = _read_dsl(file)
    with open_client(profile) as (connection, client):
        choice = resolve_workspace(client, connection, workspace)
        target_id = resolve_app(client, choice, overwrite) if overwrite else None
        if target_id is not None and name is None:
            # Dify renames an overwritten app to the DSL's name; overwriting the content
            # keeps the app's own name unless --name asks for another.
            info = client.apps.describe(target_id, fields=["info"]).info
            name = info.name if info is not None else None
        result = client.dsl.import_(
            choice.id,
            yaml_content=content,
            yaml_url=url,
            app_id=target_id,
            name=name,
            description=description,
        )
        confirmed = None
        if result.is_pending and confirm_pending:
            out.note(
                f"pending: DSL {result.imported_dsl_version} vs server "
                f"{result.current_dsl_version}; confirming as asked"
            )
            confirmed = client.dsl.confirm(choice.id, result.id)
        final = confirmed or result
        leaked = (
            client.dsl.check_dependencies(final.app_id)
            if final.is_completed and final.app_id and confirmed is None
            else []
        )
    payload = {
        "import": result,
        "confirm": confirmed,
        "status": final.status,
        "app_id": final.app_id,
        "leaked_dependencies": leaked,
    }
    if json_output:
        out.json(payload)
    else:
        _report_import(out, final, leaked=[d.identifier for d in leaked])
    if final.is_failed:
        raise DifyopsError(f"import failed: {final.error or 'no reason given'}")
    if final.is_pending:
        raise DifyopsError(
            f"import is pending: the DSL is version {final.imported_dsl_version}, the server "
            f"runs {final.current_dsl_version}; nothing was imported",
            hint="Run again with --confirm-pending to import anyway (pending imports expire "
            "after 10 minutes).",
        )


def _report_import(out: Output, result: Import, *, leaked: list[str]) -> None:
    if result.is_completed:
        warn = " with warnings (older DSL version)" if result.status != "completed" else ""
        out.success(f"imported{warn}: app {result.app_id} ({result.app_mode})")
    for identifier in leaked:
        out.warn(f"plugin not installed in the workspace: {identifier}")


def _read_dsl(path: Path) -> str:
    """The DSL to send: UTF-8, not empty, within Dify's 10 MB, no alias bomb (refused here
    with the file's name and a hint rather than by the server, or not at all)."""
    from dsl import DslError, DslParseError, check_import_text, read_text_file  # noqa: PLC0415

    if str(path) == "-":
        source = "<stdin>"
        try:
            content = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(
                "standard input is not UTF-8 text",
                hint="Dify writes DSL files as UTF-8; re-export the app or convert the file.",
            ) from None
        except AttributeError:  # a text-only stdin (tests, some wrappers)
            content = sys.stdin.read()
    else:
        source = str(path)
        try:
            content = read_text_file(path)
        except DslParseError:
            raise
        except DslError as exc:
            raise UsageError(str(exc), hint=exc.hint) from None
    check_import_text(content, source=source)
    return content


def workspace_for(
    client: DifyClient, connection: Connection, workspace: str | None, app_ref: str
) -> WorkspaceChoice | None:
    """A workspace is needed only to find an app by name; ids work without one."""
    from dify_client import is_uuid  # noqa: PLC0415
    from difyops.connection import resolve_workspace  # noqa: PLC0415

    if is_uuid(app_ref) and workspace is None:
        return None
    return resolve_workspace(client, connection, workspace)


def resolve_app(client: DifyClient, workspace: WorkspaceChoice | None, ref: str) -> str:
    """An app id from an id or an exact name in the workspace."""
    from dify_client import is_uuid  # noqa: PLC0415
    from dify_client.models.lookup import loose_name, near_name  # noqa: PLC0415

    if is_uuid(ref):
        return ref
    if workspace is None:
        raise UsageError(f"{ref!r} is not an app id; give --workspace to find it by name")
    matches = client.apps.find_by_name(workspace.id, ref)
    if len(matches) == 1:
        return matches[0].id
    where = workspace.name or workspace.id
    if not matches:
        # Not exactly that name: the one app of that name case and spacing aside, or a
        # "did you mean" among every app the API shows.
        apps = list(client.apps.iter_all(workspace.id))
        loose = loose_name([a.name for a in apps], ref)
        alike = [a for a in apps if a.name == loose]
        if len(alike) == 1:
            return alike[0].id
        near = near_name([a.name for a in apps], ref)
        raise UsageError(
            f"no app named {ref!r} in workspace {where}",
            hint=(f"Did you mean {near!r}? " if near else "")
            + "`difyops apps list` shows the apps the API can see (Service API on).",
        )
    ids = ", ".join(a.id for a in matches)
    raise UsageError(f"{len(matches)} apps are named {ref!r} in {where}: {ids}; pass an id")
