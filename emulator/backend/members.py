"""Workspace members: list, invite, remove, change role (contract §2.7 and §3.3, CE rules).

Every service refusal is a 400 with Dify's message, not a 403 (§3.3). Invite checks the
seat quota first: with `member_limit > 0` (a stand-in for the Cloud plan's member limit,
applied whatever the edition so tests need not switch edition) an invite into a workspace
that already has `member_limit` members (pending ones included) answers 403
`member_limit_exceeded`, even a re-invite.

Open points decided here (§5): members are listed in join order; an invite of an existing
*active* account that is not yet in the workspace joins it and answers 201 (the contract's
reading of `RegisterService.invite_new_member`).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from emulator import errors
from emulator.backend.common import Page, canonical_uuid
from emulator.backend.context import Authorized
from emulator.clock import Clock
from emulator.settings import EmulatorSettings
from emulator.store import Store
from emulator.store.rows import AccountRow, MemberRow, MembershipRow, WorkspaceRow


def member_row(member: MemberRow) -> dict[str, Any]:
    return {
        "id": member.account.id,
        "name": member.account.name,
        "email": member.account.email,
        "role": member.role,
        "status": member.account.status,
        "avatar": member.account.avatar,
    }


class MemberService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def list(self, auth: Authorized, *, page: int, limit: int) -> dict[str, Any]:
        # Dify loads every member and slices in memory (§1.5); slicing in SQL gives the same
        # page and total without building thousands of rows per request.
        workspace_id = auth.require_workspace().id
        members = self._store.people.members_of(
            workspace_id, offset=(page - 1) * limit, limit=limit
        )
        total = self._store.people.count_members(workspace_id)
        return Page(page, limit, total, [member_row(m) for m in members]).to_json()

    def invite(
        self,
        auth: Authorized,
        *,
        email: str,
        role: str,
        settings: EmulatorSettings,
        console_url: str,
    ) -> dict[str, Any]:
        workspace = auth.require_workspace()
        limit = settings.member_limit
        if 0 < limit <= self._store.people.count_members(workspace.id):
            raise errors.MemberLimitExceeded()
        normalized = email.strip().lower()
        now = self._clock.now()
        with self._store.transaction():
            account = self._store.people.account_by_email(normalized)
            if account is None:
                account = AccountRow(
                    id=str(uuid.uuid4()),
                    email=normalized,
                    name=normalized.split("@")[0],
                    password_hash=None,
                    status="pending",
                    avatar=None,
                    created_at=now,
                )
                self._store.people.insert_account(account)
                self._store.people.add_membership(workspace.id, account.id, role, now, current=True)
            elif account.id == auth.account.id:
                raise errors.BadRequest("Cannot operate self.")
            elif self._store.people.membership(workspace.id, account.id) is None:
                self._store.people.add_membership(
                    workspace.id, account.id, role, now, current=False
                )
            elif account.status != "pending":
                raise errors.BadRequest("Account already in tenant.")
            # A pending member already in the workspace is re-sent a token; role unchanged.
            token = str(uuid.uuid4())
            self._store.people.add_invitation(token, workspace.id, account.id, now)
        invite_url = f"{console_url.rstrip('/')}/activate?email={quote(normalized)}&token={token}"
        return {
            "result": "success",
            "email": normalized,
            "role": role,
            "member_id": account.id,
            "invite_url": invite_url,
            "tenant_id": workspace.id,
        }

    def remove(self, auth: Authorized, member_id: str) -> dict[str, str]:
        workspace, member, _target = self._operated_on(auth, member_id, "remove")
        with self._store.transaction():
            self._store.people.remove_membership(workspace.id, member.id)
            # A pending account left without any workspace is deleted, as Dify does.
            if member.status == "pending" and not self._store.people.memberships_of(member.id):
                self._store.people.delete_account(member.id)
        return {"result": "success"}

    def change_role(self, auth: Authorized, member_id: str, role: str) -> dict[str, str]:
        workspace, member, target = self._operated_on(auth, member_id, "update")
        if target.role == role:
            raise errors.BadRequest("The provided role is already assigned to the member.")
        self._store.people.set_role(workspace.id, member.id, role)
        return {"result": "success"}

    def _operated_on(
        self, auth: Authorized, member_id: str, verb: str
    ) -> tuple[WorkspaceRow, AccountRow, MembershipRow]:
        """The member a remove or role change acts on, after Dify's checks in Dify's order:
        not oneself, an owner only by an owner, then a member of this workspace at all."""
        workspace = auth.require_workspace()
        member = self._find_account(member_id)
        if member.id == auth.account.id:
            raise errors.BadRequest("Cannot operate self.")
        target = self._store.people.membership(workspace.id, member.id)
        if auth.role != "owner" and target is not None and target.role == "owner":
            raise errors.BadRequest(f"No permission to {verb} member.")
        if target is None:
            raise errors.NotFound("Member not in tenant.")
        return workspace, member, target

    def _find_account(self, member_id: str) -> AccountRow:
        canonical = canonical_uuid(member_id)
        account = self._store.people.account(canonical) if canonical else None
        if account is None:
            raise errors.MemberNotFound()
        return account
