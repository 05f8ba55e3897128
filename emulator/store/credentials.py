"""Bearer tokens, device-flow codes and their poll timestamps."""

from __future__ import annotations

import json
from collections.abc import Mapping

from emulator.store.database import Database
from emulator.store.rows import DeviceCodeRow, TokenRow


class CredentialRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- tokens ---------------------------------------------------------------------

    def insert_token(self, token: TokenRow) -> None:
        self._db.execute(
            "INSERT INTO tokens (id, token_hash, prefix, account_id, subject_email, subject_issuer,"
            " client_id, device_label, created_at, last_used_at, expires_at, revoked_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                token.id,
                token.token_hash,
                token.prefix,
                token.account_id,
                token.subject_email,
                token.subject_issuer,
                token.client_id,
                token.device_label,
                token.created_at,
                token.last_used_at,
                token.expires_at,
                token.revoked_at,
            ),
        )

    def token_by_hash(self, token_hash: str) -> TokenRow | None:
        row = self._db.query_one(
            "SELECT * FROM tokens WHERE token_hash = ? AND revoked_at IS NULL", (token_hash,)
        )
        return TokenRow.from_row(row) if row else None

    def token(self, token_id: str) -> TokenRow | None:
        row = self._db.query_one("SELECT * FROM tokens WHERE id = ?", (token_id,))
        return TokenRow.from_row(row) if row else None

    def revoke(self, token_id: str, at: float) -> None:
        # Dify nulls the hash of a revoked row so it can never resolve again.
        self._db.execute(
            "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?), token_hash = NULL"
            " WHERE id = ?",
            (at, token_id),
        )

    def live_tokens_for_triple(
        self, subject_email: str, subject_issuer: str | None, client_id: str, device_label: str
    ) -> list[TokenRow]:
        rows = self._db.query(
            "SELECT * FROM tokens WHERE revoked_at IS NULL AND lower(subject_email) = lower(?)"
            " AND coalesce(subject_issuer, '') = coalesce(?, '')"
            " AND client_id = ? AND device_label = ?",
            (subject_email, subject_issuer, client_id, device_label),
        )
        return [TokenRow.from_row(r) for r in rows]

    def touch(self, token_id: str, at: float) -> None:
        self._db.execute("UPDATE tokens SET last_used_at = ? WHERE id = ?", (at, token_id))

    def live_sessions(
        self, *, account_id: str | None, subject_email: str, subject_issuer: str | None, now: float
    ) -> list[TokenRow]:
        """Live tokens of one subject, newest first (revoked, hash-less and expired excluded)."""
        params: list[str | None]
        if account_id is not None:
            where, params = "account_id = ?", [account_id]
        else:
            where = "account_id IS NULL AND lower(subject_email) = lower(?)"
            where += " AND coalesce(subject_issuer, '') = coalesce(?, '')"
            params = [subject_email, subject_issuer]
        rows = self._db.query(
            f"SELECT * FROM tokens WHERE {where} AND revoked_at IS NULL"  # noqa: S608 - fixed fragments
            " AND token_hash IS NOT NULL AND expires_at > ? ORDER BY created_at DESC, rowid DESC",
            (*params, now),
        )
        return [TokenRow.from_row(r) for r in rows]

    # --- device codes ---------------------------------------------------------------

    def insert_device_code(self, row: DeviceCodeRow) -> None:
        self._db.execute(
            "INSERT INTO device_codes (device_code, user_code, client_id, device_label, status,"
            " created_at, expires_at, approved_at, token_id, poll_payload)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.device_code,
                row.user_code,
                row.client_id,
                row.device_label,
                row.status,
                row.created_at,
                row.expires_at,
                row.approved_at,
                row.token_id,
                json.dumps(row.poll_payload) if row.poll_payload is not None else None,
            ),
        )

    def device_code(self, device_code: str) -> DeviceCodeRow | None:
        row = self._db.query_one("SELECT * FROM device_codes WHERE device_code = ?", (device_code,))
        return DeviceCodeRow.from_row(row) if row else None

    def device_code_by_user_code(self, user_code: str) -> DeviceCodeRow | None:
        row = self._db.query_one("SELECT * FROM device_codes WHERE user_code = ?", (user_code,))
        return DeviceCodeRow.from_row(row) if row else None

    def user_code_taken(self, user_code: str) -> bool:
        return (
            self._db.query_one("SELECT 1 FROM device_codes WHERE user_code = ?", (user_code,))
            is not None
        )

    def resolve_device_code(
        self,
        device_code: str,
        *,
        status: str,
        expires_at: float,
        approved_at: float | None = None,
        token_id: str | None = None,
        poll_payload: Mapping[str, object] | None = None,
    ) -> None:
        self._db.execute(
            "UPDATE device_codes SET status = ?, expires_at = ?, approved_at = ?, token_id = ?,"
            " poll_payload = ? WHERE device_code = ?",
            (
                status,
                expires_at,
                approved_at,
                token_id,
                json.dumps(poll_payload) if poll_payload is not None else None,
                device_code,
            ),
        )

    def delete_device_code(self, device_code: str) -> bool:
        return (
            self._db.execute("DELETE FROM device_codes WHERE device_code = ?", (device_code,)) > 0
        )

    def last_poll(self, device_code: str) -> float | None:
        value = self._db.scalar(
            "SELECT last_poll_at FROM device_polls WHERE device_code = ?", (device_code,)
        )
        return float(value) if value is not None else None

    def record_poll(self, device_code: str, at: float) -> None:
        self._db.execute(
            "INSERT INTO device_polls (device_code, last_poll_at) VALUES (?, ?)"
            " ON CONFLICT(device_code) DO UPDATE SET last_poll_at = excluded.last_poll_at",
            (device_code, at),
        )
