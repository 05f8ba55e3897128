"""`/workspaces*` and the member routes (contract §2.7, §3.3)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from emulator.backend.context import MANAGERS, RouteRule
from emulator.routes._common import (
    authorize,
    emulator_of,
    ok,
    openapi_extra,
    validate_body,
    validate_query,
)
from emulator.routes._models import MemberInvitePayload, MemberListQuery, MemberRoleUpdatePayload

router = APIRouter()

ACCOUNT = RouteRule()
MEMBER = RouteRule(workspace_scoped=True)
MANAGER = RouteRule(workspace_scoped=True, roles=MANAGERS)


@router.get("/workspaces", summary="Workspaces of the caller")
async def list_workspaces(request: Request) -> JSONResponse:
    auth = authorize(request, ACCOUNT)
    return ok(emulator_of(request).backend.workspaces.list(auth))


@router.get("/workspaces/{workspace_id}", summary="Workspace detail")
async def get_workspace(request: Request, workspace_id: str) -> JSONResponse:
    auth = authorize(request, ACCOUNT)
    return ok(emulator_of(request).backend.workspaces.detail(auth, workspace_id))


@router.post("/workspaces/{workspace_id}/switch", summary="Make a workspace the current one")
async def switch_workspace(request: Request, workspace_id: str) -> JSONResponse:
    auth = authorize(request, MEMBER, workspace_id=workspace_id)
    return ok(emulator_of(request).backend.workspaces.switch(auth))


@router.get(
    "/workspaces/{workspace_id}/members",
    summary="Members of a workspace",
    openapi_extra=openapi_extra(query=MemberListQuery),
)
async def list_members(request: Request, workspace_id: str) -> JSONResponse:
    auth = authorize(request, MEMBER, workspace_id=workspace_id)
    query = validate_query(MemberListQuery, request)
    return ok(emulator_of(request).backend.members.list(auth, page=query.page, limit=query.limit))


@router.post(
    "/workspaces/{workspace_id}/members",
    summary="Invite a member",
    status_code=201,
    openapi_extra=openapi_extra(body=MemberInvitePayload),
)
async def invite_member(request: Request, workspace_id: str) -> JSONResponse:
    auth = authorize(request, MANAGER, workspace_id=workspace_id)
    body = await validate_body(MemberInvitePayload, request)
    emulator = emulator_of(request)
    result = emulator.backend.members.invite(
        auth,
        email=str(body.email),
        role=body.role,
        settings=emulator.settings.current(),
        console_url=emulator.console_url(str(request.base_url)),
    )
    return ok(result, status=201)


@router.delete("/workspaces/{workspace_id}/members/{member_id}", summary="Remove a member")
async def remove_member(request: Request, workspace_id: str, member_id: str) -> JSONResponse:
    auth = authorize(request, MANAGER, workspace_id=workspace_id)
    return ok(emulator_of(request).backend.members.remove(auth, member_id))


@router.put(
    "/workspaces/{workspace_id}/members/{member_id}/role",
    summary="Change a member's role",
    openapi_extra=openapi_extra(body=MemberRoleUpdatePayload),
)
async def change_member_role(request: Request, workspace_id: str, member_id: str) -> JSONResponse:
    auth = authorize(request, MANAGER, workspace_id=workspace_id)
    body = await validate_body(MemberRoleUpdatePayload, request)
    return ok(emulator_of(request).backend.members.change_role(auth, member_id, body.role))
