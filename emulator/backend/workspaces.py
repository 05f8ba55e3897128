"""`/workspaces`, `/workspaces/{id}` and `/workspaces/{id}/switch` (contract §2.7)."""

from __future__ import annotations

from typing import Any

from emulator import errors
from emulator.backend.common import canonical_uuid
from emulator.backend.context import Authorized
from emulator.clock import iso_naive
from emulator.store import Store
from emulator.store.rows import MembershipRow


def workspace_summary(membership: MembershipRow) -> dict[str, Any]:
    return {
        "id": membership.workspace.id,
        "name": membership.workspace.name,
        "role": membership.role,
        "status": membership.workspace.status,
        "current": membership.current,
    }


def workspace_detail(membership: MembershipRow) -> dict[str, Any]:
    return {
        **workspace_summary(membership),
        "created_at": iso_naive(membership.workspace.created_at),
    }


class WorkspaceService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def list(self, auth: Authorized) -> dict[str, Any]:
        """S2 shape: `{"workspaces": [...]}`, not paginated (S3 turns it into an envelope)."""
        memberships = self._store.people.memberships_of(auth.account.id)
        return {"workspaces": [workspace_summary(m) for m in memberships]}

    def detail(self, auth: Authorized, workspace_id: str) -> dict[str, Any]:
        # Not guarded by workspace scope: the membership lookup itself answers 404, so an
        # archived workspace the caller belongs to is still shown (with its status).
        canonical = canonical_uuid(workspace_id)
        membership = (
            self._store.people.membership(canonical, auth.account.id) if canonical else None
        )
        if membership is None:
            raise errors.WorkspaceNotFound()
        return workspace_detail(membership)

    def switch(self, auth: Authorized) -> dict[str, Any]:
        workspace = auth.require_workspace()
        with self._store.transaction():
            self._store.people.set_current(auth.account.id, workspace.id)
            membership = self._store.people.membership(workspace.id, auth.account.id)
        if membership is None:
            raise errors.WorkspaceNotFound()
        return workspace_detail(membership)
