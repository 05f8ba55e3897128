"""DSL export, import, confirm and check-dependencies (contract §2.4).

No role floor on these routes: the S2 handlers read for this emulator declare none (some
later S2 builds add editor/admin/owner — see contract §2.4).
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from emulator.backend.common import canonical_uuid
from emulator.backend.context import RouteRule
from emulator.backend.dsl_import import ImportRequest
from emulator.routes._common import (
    authorize,
    emulator_of,
    fault_fires,
    ok,
    openapi_extra,
    validate_body,
    validate_query,
)
from emulator.routes._models import AppDslExportQuery, AppDslImportPayload, DslCheckPayload

router = APIRouter()

APP = RouteRule(app_scoped=True)
WORKSPACE = RouteRule(workspace_scoped=True)
_IMPORT_RESPONSES = {
    "200": "Import completed",
    "202": "Import pending confirmation",
    "400": "Import failed (an Import object, not an ErrorBody)",
}


@router.get(
    "/apps/{app_id}/export",
    summary="Export the app's DSL",
    openapi_extra=openapi_extra(
        query=AppDslExportQuery, responses={"404": "No draft workflow (bare JSON string)"}
    ),
)
async def export_app(request: Request, app_id: str) -> JSONResponse:
    auth = authorize(request, APP, app_id=app_id)
    query = validate_query(AppDslExportQuery, request)
    emulator = emulator_of(request)
    text = emulator.backend.exporter.export(
        auth.require_app(),
        dsl_version=emulator.settings.current().dsl_version,
        include_secret=query.include_secret,
        workflow_id=canonical_uuid(query.workflow_id),
    )
    return ok({"data": text})


@router.get("/apps/{app_id}/check-dependencies", summary="Plugins an import left missing")
async def check_dependencies(request: Request, app_id: str) -> JSONResponse:
    auth = authorize(request, APP, app_id=app_id)
    return ok(emulator_of(request).backend.importer.check_dependencies(auth))


@router.post(
    "/workspaces/{workspace_id}/apps/imports",
    summary="Import a DSL into a workspace",
    openapi_extra=openapi_extra(body=AppDslImportPayload, responses=_IMPORT_RESPONSES),
)
async def import_app(request: Request, workspace_id: str) -> JSONResponse:
    auth = authorize(request, WORKSPACE, workspace_id=workspace_id)
    body = await validate_body(AppDslImportPayload, request)
    emulator = emulator_of(request)
    result = emulator.backend.importer.import_app(
        auth,
        ImportRequest(**body.model_dump()),
        current_version=emulator.settings.current().dsl_version,
        tamper_content=lambda: fault_fires(request, "tamper_import"),
        expire_pending=lambda: fault_fires(request, "expire_pending_imports"),
    )
    return ok(result.body, status=result.http_status)


@router.post(
    "/workspaces/{workspace_id}/apps/imports/{import_id}/confirm",
    summary="Confirm a pending import",
    openapi_extra=openapi_extra(responses=_IMPORT_RESPONSES),
)
async def confirm_import(request: Request, workspace_id: str, import_id: str) -> JSONResponse:
    auth = authorize(request, WORKSPACE, workspace_id=workspace_id)
    emulator = emulator_of(request)
    result = emulator.backend.importer.confirm(
        auth,
        import_id,
        current_version=emulator.settings.current().dsl_version,
        tamper_content=lambda: fault_fires(request, "tamper_import"),
        expire_pending=lambda: fault_fires(request, "expire_pending_imports"),
    )
    return ok(result.body, status=result.http_status)


# --- S3 only (served by `routes/s3.py`'s op table, not by the S2 router) --------------


async def check_dsl(request: Request, workspace_id: str) -> JSONResponse:
    """S3 `imports:check`: every problem of the graph, without importing (no writes)."""
    auth = authorize(request, WORKSPACE, workspace_id=workspace_id)
    body = await validate_body(DslCheckPayload, request)
    checker = emulator_of(request).backend.dsl_check
    return ok(checker.check(auth.require_workspace().id, body.yaml_content, body.app_id))


async def import_app_checked(request: Request, workspace_id: str) -> JSONResponse:
    """S3's import: the S2 import, after refusing a graph with error-severity issues."""
    auth = authorize(request, WORKSPACE, workspace_id=workspace_id)
    body = await validate_body(AppDslImportPayload, request)
    if body.mode == "yaml-content" and body.yaml_content:
        emulator_of(request).backend.dsl_check.refuse_invalid(
            auth.require_workspace().id, body.yaml_content, body.app_id
        )
    return await import_app(request, workspace_id)
