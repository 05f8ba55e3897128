"""`GET /apps`, describe, and the Enterprise `GET /permitted-external-apps` (§2.3)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from emulator.backend.context import EXTERNAL_ONLY, RouteRule
from emulator.routes._common import authorize, emulator_of, ok, openapi_extra, validate_query
from emulator.routes._models import AppDescribeQuery, AppListQuery, PermittedExternalAppsQuery

router = APIRouter()

# `workspace_id` comes from the query string: missing or non-UUID is 404, not 422 (§1.3).
WORKSPACE_APPS = RouteRule(workspace_scoped=True)
APP = RouteRule(app_scoped=True)
PERMITTED = RouteRule(kinds=EXTERNAL_ONLY, enterprise_only=True)


@router.get("/apps", summary="Apps of a workspace", openapi_extra=openapi_extra(query=AppListQuery))
async def list_apps(request: Request) -> JSONResponse:
    auth = authorize(request, WORKSPACE_APPS)
    query = validate_query(AppListQuery, request)
    return ok(
        emulator_of(request).backend.apps.list(
            auth,
            page=query.page,
            limit=query.limit,
            mode=query.mode,
            name=query.name,
            tag=query.tag,
        )
    )


@router.get(
    "/apps/{app_id}/describe",
    summary="App info, parameters and input JSON Schema",
    openapi_extra=openapi_extra(query=AppDescribeQuery),
)
async def describe_app(request: Request, app_id: str) -> JSONResponse:
    auth = authorize(request, APP, app_id=app_id)
    query = validate_query(AppDescribeQuery, request)
    return ok(emulator_of(request).backend.apps.describe(auth, query.fields))


@router.get(
    "/permitted-external-apps",
    summary="Apps an external SSO subject may use (Enterprise only)",
    openapi_extra=openapi_extra(query=PermittedExternalAppsQuery),
)
async def permitted_external_apps(request: Request) -> JSONResponse:
    authorize(request, PERMITTED)
    query = validate_query(PermittedExternalAppsQuery, request)
    return ok(
        emulator_of(request).backend.apps.permitted_external(
            page=query.page, limit=query.limit, mode=query.mode, name=query.name
        )
    )
