"""Workspaces and their members."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dify_client._constants import MAX_PAGE_LIMIT
from dify_client._errors import ResponseValidationError
from dify_client._http import parse_json
from dify_client._pagination import Page
from dify_client.models.workspaces import (
    AssignableRole,
    Member,
    MemberActionResult,
    MemberInvite,
    MemberInviteParams,
    MemberRoleParams,
    Workspace,
    WorkspaceDetail,
)
from dify_client.resources._base import Resource, validate


class WorkspacesResource(Resource):
    def list(self) -> list[Workspace]:
        """Every workspace the caller belongs to.

        S2 servers answer `{"workspaces": [...]}`; later ones a page envelope, walked here
        so callers see one shape either way.
        """
        response = self._send("get.workspace")
        body: Any = parse_json(response)
        if isinstance(body, dict) and isinstance(body.get("workspaces"), list):
            return [validate(Workspace, row, where="GET /workspaces") for row in body["workspaces"]]
        if isinstance(body, dict) and isinstance(body.get("data"), list):
            # Later pages at the size the server chose for the first one, so none is skipped.
            size = int(body.get("limit") or MAX_PAGE_LIMIT)
            first = Page.from_envelope(
                body,
                Workspace,
                lambda number: self._page(
                    "get.workspace", Workspace, params={}, page=number, limit=size
                ),
            )
            return first.all()
        raise ResponseValidationError("unexpected response shape from GET /workspaces")

    def get(self, workspace_id: str) -> WorkspaceDetail:
        return self._call("describe.workspace", WorkspaceDetail, {"workspace_id": workspace_id})

    def switch(self, workspace_id: str) -> WorkspaceDetail:
        """Make this the caller's current workspace on the server (console and defaults)."""
        return self._call("switch.workspace", WorkspaceDetail, {"workspace_id": workspace_id})


class MembersResource(Resource):
    def list(self, workspace_id: str, *, page: int = 1, limit: int = 20) -> Page[Member]:
        return self._page(
            "get.workspace.member",
            Member,
            {"workspace_id": workspace_id},
            params={},
            page=page,
            limit=limit,
        )

    def iter_all(self, workspace_id: str) -> Iterator[Member]:
        """Every member, pending invitees included, at the largest page size."""
        return iter(self.list(workspace_id, limit=MAX_PAGE_LIMIT))

    def invite(self, workspace_id: str, email: str, role: AssignableRole) -> MemberInvite:
        """Invite by email (or re-send a pending invitation); needs owner or admin."""
        body = MemberInviteParams(email=email, role=role).model_dump()
        return self._call(
            "invite.workspace.member", MemberInvite, {"workspace_id": workspace_id}, json_body=body
        )

    def remove(self, workspace_id: str, member_id: str) -> MemberActionResult:
        where = {"workspace_id": workspace_id, "member_id": member_id}
        return self._call("delete.workspace.member", MemberActionResult, where)

    def update_role(
        self, workspace_id: str, member_id: str, role: AssignableRole
    ) -> MemberActionResult:
        body = MemberRoleParams(role=role).model_dump()
        # S2 puts to `…/members/{id}/role`; S3 patches the member itself, same body.
        where = {"workspace_id": workspace_id, "member_id": member_id}
        return self._call("set.workspace.member_role", MemberActionResult, where, json_body=body)
