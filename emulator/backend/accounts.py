"""`/account`, `/account/sessions*` (contract §2.2) and console sign-in for `/device`."""

from __future__ import annotations

import secrets
from typing import Any

from emulator import errors
from emulator.backend.common import canonical_uuid, slice_page
from emulator.backend.context import Authorized, Caller
from emulator.backend.passwords import verify_password
from emulator.backend.tokens import TokenService
from emulator.clock import Clock, iso_utc_z
from emulator.store import Store
from emulator.store.rows import AccountRow, ConsoleSessionRow, TokenRow

CONSOLE_SESSION_SECONDS = 12 * 3600.0


def default_workspace_id(store: Store, account_id: str) -> str | None:
    """The membership flagged current, else the first membership, else None."""
    memberships = store.people.memberships_of(account_id)
    for membership in memberships:
        if membership.current:
            return membership.workspace.id
    return memberships[0].workspace.id if memberships else None


def workspace_payloads(store: Store, account_id: str) -> list[dict[str, str]]:
    return [
        {"id": m.workspace.id, "name": m.workspace.name, "role": m.role}
        for m in store.people.memberships_of(account_id)
    ]


def session_row(token: TokenRow) -> dict[str, Any]:
    return {
        "id": token.id,
        "prefix": token.prefix,
        "client_id": token.client_id,
        "device_label": token.device_label,
        "created_at": iso_utc_z(token.created_at),
        "last_used_at": iso_utc_z(token.last_used_at) if token.last_used_at else None,
        "expires_at": iso_utc_z(token.expires_at),
    }


class AccountService:
    def __init__(self, store: Store, clock: Clock, tokens: TokenService) -> None:
        self._store = store
        self._clock = clock
        self._tokens = tokens

    # --- bearer side ----------------------------------------------------------------

    def describe(self, auth: Authorized) -> dict[str, Any]:
        """`GET /account`: explicit nulls and empty lists, never omitted keys."""
        caller = auth.caller
        if caller.kind == "external_sso":
            return {
                "subject_type": "external_sso",
                "subject_email": caller.token.subject_email,
                "subject_issuer": caller.token.subject_issuer,
                "account": None,
                "workspaces": [],
                "default_workspace_id": None,
            }
        account = auth.account
        return {
            "subject_type": "account",
            "subject_email": account.email,
            "subject_issuer": None,
            "account": {"id": account.id, "email": account.email, "name": account.name},
            "workspaces": workspace_payloads(self._store, account.id),
            "default_workspace_id": default_workspace_id(self._store, account.id),
        }

    def sessions(self, auth: Authorized, *, page: int, limit: int) -> dict[str, Any]:
        caller = auth.caller
        rows = self._store.credentials.live_sessions(
            account_id=caller.token.account_id,
            subject_email=caller.token.subject_email,
            subject_issuer=caller.token.subject_issuer,
            now=self._clock.now(),
        )
        return slice_page([session_row(r) for r in rows], page, limit).to_json()

    def revoke_self(self, auth: Authorized) -> dict[str, str]:
        self._tokens.revoke(auth.caller.token.id)
        return {"status": "revoked"}

    def revoke_session(self, auth: Authorized, session_id: str) -> dict[str, str]:
        """Subject-matched revoke; ownership ignores revocation state, so re-revoking is 200."""
        canonical = canonical_uuid(session_id)
        row = self._store.credentials.token(canonical) if canonical else None
        if row is None or not _same_subject(row, auth.caller):
            raise errors.SessionNotFound()
        self._tokens.revoke(row.id)
        return {"status": "revoked"}

    # --- console side (the /device page) --------------------------------------------

    def console_sign_in(self, email: str, password: str) -> ConsoleSessionRow | None:
        account = self._store.people.account_by_email(email.strip())
        if account is None or account.status != "active":
            return None
        if not verify_password(password, account.password_hash):
            return None
        now = self._clock.now()
        session = ConsoleSessionRow(
            id=secrets.token_urlsafe(24),
            account_id=account.id,
            csrf_token=secrets.token_urlsafe(24),
            created_at=now,
            expires_at=now + CONSOLE_SESSION_SECONDS,
        )
        self._store.people.add_console_session(session)
        return session

    def console_session(
        self, session_id: str | None
    ) -> tuple[ConsoleSessionRow, AccountRow] | None:
        if not session_id:
            return None
        session = self._store.people.console_session(session_id)
        if session is None or session.expires_at <= self._clock.now():
            return None
        account = self._store.people.account(session.account_id)
        if account is None:
            return None
        return session, account

    def console_sign_out(self, session_id: str) -> None:
        self._store.people.delete_console_session(session_id)


def _same_subject(row: TokenRow, caller: Caller) -> bool:
    if caller.token.account_id is not None:
        return row.account_id == caller.token.account_id
    return (
        row.account_id is None
        and row.subject_email.lower() == caller.token.subject_email.lower()
        and (row.subject_issuer or "") == (caller.token.subject_issuer or "")
    )
