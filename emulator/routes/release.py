"""S3 release routes: publish, versions, restore, release check.

Dify's `api/controllers/openapi/app_workflow.py` (AppPublishApi, AppVersionListApi,
AppVersionRestoreApi) and `app_release.py` (ReleaseCheckApi); bodies and queries are
`_models.py`'s PublishPayload and VersionListQuery. Domain rules: `backend/release.py`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from emulator.backend.context import RouteRule
from emulator.routes._common import authorize, emulator_of, ok, validate_body, validate_query

MAX_PAGE_LIMIT = 100

# Dify: account_app_guards(..., editor=True) for all four ops.
RELEASE = RouteRule(app_scoped=True)


class PublishPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    marked_name: str = Field("", max_length=20)
    marked_comment: str = Field("", max_length=100)


class VersionListQuery(BaseModel):
    page: int = Field(1, ge=1)
    limit: int = Field(20, ge=1, le=MAX_PAGE_LIMIT)
    named_only: bool = False


async def publish_app(request: Request, app_id: str) -> JSONResponse:
    auth = authorize(request, RELEASE, app_id=app_id)
    body = await validate_body(PublishPayload, request)
    account = auth.caller.account
    return ok(
        emulator_of(request).backend.release.publish(
            auth.require_app(),
            marked_name=body.marked_name,
            marked_comment=body.marked_comment,
            account_id=account.id if account else None,
        )
    )


async def list_versions(request: Request, app_id: str) -> JSONResponse:
    auth = authorize(request, RELEASE, app_id=app_id)
    query = validate_query(VersionListQuery, request)
    return ok(
        emulator_of(request).backend.release.versions(
            auth.require_app(), page=query.page, limit=query.limit, named_only=query.named_only
        )
    )


async def restore_version(request: Request, app_id: str, version_id: str) -> JSONResponse:
    auth = authorize(request, RELEASE, app_id=app_id)
    return ok(emulator_of(request).backend.release.restore(auth.require_app(), version_id))


async def check_release(request: Request, app_id: str) -> JSONResponse:
    auth = authorize(request, RELEASE, app_id=app_id)
    return ok(emulator_of(request).backend.release.check(auth.require_app()))
