"""The S3 generation of `/openapi/v1`: Dify's resource-oriented paths, by op id.

Dify's current controllers (`api/controllers/openapi/*.py` at 3ac08f34, op ids from each
view's `@endpoint(op=…)`) serve the S2 surface under new paths: `/apps/{id}` instead of
`…/describe`, `/dsl` instead of `/export`, `:confirm`/`:stop`/`:switch`/`:submit` verbs,
one run route per app mode, `PATCH …/members/{id}` for a role, `/files` for uploads, and
a paged `/workspaces`. The handlers are the S2 routes' own (same backend, same rules);
only the table below and the few S3-only handlers differ, so the two generations cannot
drift apart in their domain rules.

`moves` (op id → path) lets a test move an operation's path, as a later Dify release
may: the catalog then names the new path and the old one is gone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulator import errors
from emulator.routes import (
    account,
    apps,
    dsl,
    env,
    history,
    meta,
    oauth_device,
    release,
    runs,
    workspaces,
)
from emulator.routes._common import PREFIX, authorize, emulator_of, ok, validate_query
from emulator.routes._models import MemberListQuery as PageQuery

Handler = Callable[..., Awaitable[Response]]


@dataclass(frozen=True)
class Op:
    op_id: str
    method: str
    path: str
    handler: Handler
    summary: str
    kind: str = "object"
    internal: bool = False


# S3 per-mode run routes and the modes each serves (agent-chat runs through chat:run).
RUN_MODES = {
    "run.console_app.workflow": ("/workflow:run", ("workflow",)),
    "run.console_app.chat": ("/chat:run", ("chat", "agent-chat")),
    "run.console_app.advanced_chat": ("/advanced-chat:run", ("advanced-chat",)),
    "run.console_app.completion": ("/completion:run", ("completion",)),
}


def _run_for(modes: tuple[str, ...]) -> Handler:
    async def run_in_mode(request: Request, app_id: str) -> Response:
        auth = authorize(request, runs.RUN, app_id=app_id)
        if auth.require_app().mode not in modes:
            raise errors.AppModeMismatch()
        return await runs.run_app(request, app_id)

    return run_in_mode


async def list_workspaces_paged(request: Request) -> JSONResponse:
    """S3 pages `/workspaces` (slicing the whole list, as Dify's `page_of` does)."""
    auth = authorize(request, workspaces.ACCOUNT)
    query = validate_query(PageQuery, request)
    rows = emulator_of(request).backend.workspaces.list(auth)["workspaces"]
    start = (query.page - 1) * query.limit
    return ok(
        {
            "page": query.page,
            "limit": query.limit,
            "total": len(rows),
            "has_more": query.page * query.limit < len(rows),
            "data": rows[start : start + query.limit],
        }
    )


_APP = "/apps/{app_id}"
_WS = "/workspaces/{workspace_id}"


def s3_ops() -> list[Op]:
    table = [
        Op("describe.account", "GET", "/account", account.get_account, "The calling subject"),
        Op(
            "get.account.session",
            "GET",
            "/account/sessions",
            account.list_sessions,
            "Sessions",
            "list",
        ),
        Op(
            "delete.account.current_session",
            "DELETE",
            "/account/sessions/self",
            account.revoke_self,
            "Revoke the calling token",
        ),
        Op(
            "delete.account.session",
            "DELETE",
            "/account/sessions/{session_id}",
            account.revoke_session,
            "Revoke a session",
        ),
        Op("get.workspace", "GET", "/workspaces", list_workspaces_paged, "Workspaces", "list"),
        Op("describe.workspace", "GET", _WS, workspaces.get_workspace, "Workspace detail"),
        Op(
            "switch.workspace",
            "POST",
            _WS + ":switch",
            workspaces.switch_workspace,
            "Make a workspace the current one",
            internal=True,
        ),
        Op(
            "get.workspace.member",
            "GET",
            _WS + "/members",
            workspaces.list_members,
            "Members",
            "list",
        ),
        Op("invite.workspace.member", "POST", _WS + "/members", workspaces.invite_member, "Invite"),
        Op(
            "delete.workspace.member",
            "DELETE",
            _WS + "/members/{member_id}",
            workspaces.remove_member,
            "Remove a member",
        ),
        Op(
            "set.workspace.member_role",
            "PATCH",
            _WS + "/members/{member_id}",
            workspaces.change_member_role,
            "Change a member's role",
        ),
        Op("get.console_app", "GET", "/apps", apps.list_apps, "Apps of a workspace", "list"),
        Op("describe.console_app", "GET", _APP, apps.describe_app, "Describe an app"),
        Op(
            "get.console_app.external",
            "GET",
            "/permitted-external-apps",
            apps.permitted_external_apps,
            "Apps an external subject may use",
            "list",
        ),
        Op("export.console_app.dsl", "GET", _APP + "/dsl", dsl.export_app, "Export the DSL"),
        Op(
            "check.console_app.dependency",
            "GET",
            _APP + "/dependencies:check",
            dsl.check_dependencies,
            "Plugins an import left missing",
        ),
        Op(
            "import.console_app.dsl",
            "POST",
            _WS + "/apps/imports",
            dsl.import_app_checked,
            "Import a DSL",
        ),
        Op(
            "check.console_app.dsl",
            "POST",
            _WS + "/apps/imports:check",
            dsl.check_dsl,
            "Check a DSL without importing it: every problem with its node and field",
        ),
        Op(
            "confirm.console_app.dsl_import",
            "POST",
            _WS + "/apps/imports/{import_id}:confirm",
            dsl.confirm_import,
            "Confirm a pending import",
        ),
        Op(
            "stop.run",
            "POST",
            _APP + "/tasks/{task_id}:stop",
            runs.stop_task,
            "Stop a running task",
        ),
        Op(
            "get.run.event",
            "GET",
            _APP + "/tasks/{task_id}/events",
            runs.run_events,
            "Reconnect to a run's events",
            "sse",
        ),
        Op(
            "get.console_app.env",
            "GET",
            _APP + "/env",
            env.list_env,
            "Environment variables of the draft; secrets with a value are masked",
        ),
        Op(
            "set.console_app.env",
            "PUT",
            _APP + "/env/{env_id}",
            env.set_env,
            "Add or replace one environment variable of the draft, keyed by its id",
        ),
        Op(
            "delete.console_app.env",
            "DELETE",
            _APP + "/env/{env_id}",
            env.delete_env,
            "Remove one environment variable from the draft, keyed by its id",
        ),
        Op("upload.console_app.file", "POST", _APP + "/files", runs.upload_file, "Upload a file"),
        Op(
            "describe.run.form",
            "GET",
            _APP + "/human-input-forms/{form_token}",
            runs.get_form,
            "A paused run's form",
        ),
        Op(
            "submit.run.form",
            "POST",
            _APP + "/human-input-forms/{form_token}:submit",
            runs.submit_form,
            "Submit a paused run's form",
        ),
        Op(
            "publish.console_app",
            "POST",
            _APP + ":publish",
            release.publish_app,
            "Publish the draft as a new version and make the app use it",
        ),
        Op(
            "get.console_app.version",
            "GET",
            _APP + "/versions",
            release.list_versions,
            "List published versions, newest first",
        ),
        Op(
            "restore.console_app.version",
            "POST",
            _APP + "/versions/{version_id}:restore",
            release.restore_version,
            "Copy a published version into the draft; publish again to make it live",
        ),
        Op(
            "check.console_app.release",
            "GET",
            _APP + "/release:check",
            release.check_release,
            "Is the draft ready to publish",
        ),
    ]
    table += [
        Op(
            "test.console_app.workflow",
            "POST",
            _APP + "/draft/workflow:run",
            history.test_workflow,
            "Test-run the workflow draft (recorded as a debugging run)",
            "sse",
        ),
        Op(
            "test.console_app.advanced_chat",
            "POST",
            _APP + "/draft/advanced-chat:run",
            history.test_advanced_chat,
            "Test-run the chatflow draft (recorded as a debugging run)",
            "sse",
        ),
        Op(
            "get.run",
            "GET",
            _APP + "/runs",
            history.list_runs,
            "List runs of a workflow or advanced-chat app, newest first",
        ),
        Op(
            "describe.run",
            "GET",
            _APP + "/runs/{run_id}",
            history.describe_run,
            "One run: inputs, outputs, error, tokens and timing",
        ),
        Op(
            "get.run.node",
            "GET",
            _APP + "/runs/{run_id}/nodes",
            history.list_run_nodes,
            "Each node step of a run, to find the one that failed",
        ),
    ]
    for op_id, (suffix, modes) in RUN_MODES.items():
        table.append(Op(op_id, "POST", _APP + suffix, _run_for(modes), "Run the app", "sse"))
    return table


def s3_router(moves: Mapping[str, str]) -> tuple[APIRouter, dict[str, Any]]:
    """The S3 routes (with any moved paths) and the catalog document that lists them."""
    router = APIRouter(prefix=PREFIX)
    # Probes and the device flow are plain routes in S3 too (`index.py`, `oauth_device*`).
    router.include_router(meta.router)
    router.include_router(oauth_device.router)
    catalog_ops: dict[str, Any] = {}
    documented = _s2_documentation()
    for op in s3_ops():
        path = moves.get(op.op_id, op.path)
        s2_route = documented.get(_documented_as(op))
        router.add_api_route(
            path,
            op.handler,
            methods=[op.method],
            summary=op.summary,
            name=op.op_id,
            # The S2 route's own request models and success status: the handler is its.
            openapi_extra=s2_route.openapi_extra if s2_route else None,
            status_code=s2_route.status_code if s2_route else None,
        )
        catalog_ops[op.op_id] = {
            "summary": op.summary,
            "method": op.method,
            "path": path,
            "kind": op.kind,
            "tags": [op.op_id.split(".", 1)[0]],
            "internal": op.internal,
            "deprecated": False,
        }
    catalog = {"ops": catalog_ops}
    raw = canonical_catalog(catalog)[0]

    async def get_catalog() -> Response:
        return Response(raw, media_type="application/json")

    # A real route, so the request counters and faults see catalog reads like any other.
    router.add_api_route("/_catalog", get_catalog, methods=["GET"], name="catalog")
    return router, catalog


def _documented_as(op: Op) -> Handler:
    """The S2 handler whose route documents `op` (S3 wraps a few: per-mode runs, the
    import that checks its DSL first)."""
    if op.op_id in RUN_MODES:
        return runs.run_app
    return dsl.import_app if op.handler is dsl.import_app_checked else op.handler


def _s2_documentation() -> dict[Any, APIRoute]:
    """The S2 routes by handler, for what FastAPI cannot infer of a handler that parses
    its own query and body (models, a 201 or 202)."""
    found: dict[Any, APIRoute] = {}
    for module in (account, workspaces, apps, dsl, runs):
        for route in module.router.routes:
            if isinstance(route, APIRoute):
                found[route.endpoint] = route
    return found


def canonical_catalog(catalog: dict[str, Any]) -> tuple[bytes, str]:
    """Dify's `_catalog.py`: sorted keys, compact separators, UTF-8; sha256 hex of that."""
    raw = json.dumps(catalog, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    encoded = raw.encode("utf-8")
    return encoded, hashlib.sha256(encoded).hexdigest()
