"""OAuth 2.0 device authorization (RFC 8628) as Dify runs it (contract §2.6, §3.4).

State machine: pending (900 s) → approved (payload kept at least 60 s) → consumed by one
poll; pending → denied → consumed by one poll; anything → expired. Codes are single use.

Poll answers, in order:
1. polled sooner than 5 s after the previous poll of this device code → `slow_down`.
   The last-poll time is refreshed on *every* poll (slow_down ones included) and is kept
   per device code even for unknown codes, so a client that keeps polling faster than
   every 5 s never gets past slow_down. The first poll is never slow_down.
2. unknown or expired → `expired_token`
3. pending → `authorization_pending`
4. denied → `access_denied` (one shot: the state is deleted, later polls `expired_token`)
5. approved → 200 with the token payload (one shot, likewise).

Approval mints a `dfoa_` token with rotation per (email, client_id, device_label).
"""

from __future__ import annotations

import secrets
from typing import Any

from emulator import errors
from emulator.backend.accounts import default_workspace_id, workspace_payloads
from emulator.backend.tokens import TokenService
from emulator.clock import Clock, iso_offset
from emulator.settings import EmulatorSettings
from emulator.store import Store
from emulator.store.rows import AccountRow, DeviceCodeRow

USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXY3456789"
DEVICE_CODE_SECONDS = 900
POLL_INTERVAL_SECONDS = 5
APPROVED_MIN_SECONDS = 60.0


def normalize_user_code(user_code: str) -> str:
    return user_code.strip().upper()


def _new_user_code() -> str:
    chars = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


class DeviceFlowService:
    def __init__(self, store: Store, clock: Clock, tokens: TokenService) -> None:
        self._store = store
        self._clock = clock
        self._tokens = tokens

    def start(
        self, client_id: str, device_label: str, *, settings: EmulatorSettings, console_url: str
    ) -> dict[str, Any]:
        if client_id not in settings.known_client_ids:
            raise errors.DeviceFlowError("unsupported_client")
        now = self._clock.now()
        user_code = _new_user_code()
        while self._store.credentials.user_code_taken(user_code):
            user_code = _new_user_code()
        row = DeviceCodeRow(
            device_code="dc_" + secrets.token_urlsafe(24),
            user_code=user_code,
            client_id=client_id,
            device_label=device_label,
            status="pending",
            created_at=now,
            expires_at=now + DEVICE_CODE_SECONDS,
            approved_at=None,
            token_id=None,
            poll_payload=None,
        )
        self._store.credentials.insert_device_code(row)
        return {
            "device_code": row.device_code,
            "user_code": row.user_code,
            "verification_uri": f"{console_url.rstrip('/')}/device",
            "expires_in": DEVICE_CODE_SECONDS,
            "interval": POLL_INTERVAL_SECONDS,
        }

    def poll(self, device_code: str) -> dict[str, Any]:
        now = self._clock.now()
        refusal: str | None = None
        state: DeviceCodeRow | None = None
        # Refusals are raised after the commit: the poll time must stick even then.
        with self._store.transaction():
            previous = self._store.credentials.last_poll(device_code)
            self._store.credentials.record_poll(device_code, now)
            if previous is not None and now - previous < POLL_INTERVAL_SECONDS:
                refusal = "slow_down"
            else:
                state = self._live(self._store.credentials.device_code(device_code))
                if state is None:
                    refusal = "expired_token"
                elif state.status == "pending":
                    refusal = "authorization_pending"
                else:
                    self._store.credentials.delete_device_code(device_code)
        if refusal is not None or state is None:
            raise errors.DeviceFlowError(refusal or "expired_token")
        if state.status == "denied":
            raise errors.DeviceFlowError("access_denied")
        if not state.poll_payload or "token" not in state.poll_payload:
            raise errors.DeviceFlowError("expired_token")
        return state.poll_payload

    def lookup(self, user_code: str) -> dict[str, Any]:
        state = self._live(
            self._store.credentials.device_code_by_user_code(normalize_user_code(user_code))
        )
        if state is None:
            return {"valid": False, "expires_in_remaining": 0, "client_id": None}
        if state.status != "pending":
            return {"valid": False, "expires_in_remaining": 0, "client_id": state.client_id}
        # Dify answers the full lifetime, not the real remainder (contract §2.6).
        return {
            "valid": True,
            "expires_in_remaining": DEVICE_CODE_SECONDS,
            "client_id": state.client_id,
        }

    def approve(
        self, user_code: str, account: AccountRow, *, settings: EmulatorSettings
    ) -> dict[str, str]:
        with self._store.transaction():
            state = self._pending_state(user_code)
            minted = self._tokens.mint(
                kind="account",
                subject_email=account.email,
                subject_issuer=None,
                account_id=account.id,
                client_id=state.client_id,
                device_label=state.device_label,
                settings=settings,
            )
            payload = {
                "token": minted.token,
                "expires_at": iso_offset(minted.row.expires_at),
                "subject_type": "account",
                "account": {"id": account.id, "email": account.email, "name": account.name},
                "workspaces": workspace_payloads(self._store, account.id),
                "default_workspace_id": default_workspace_id(self._store, account.id),
                "token_id": minted.row.id,
            }
            now = self._clock.now()
            self._store.credentials.resolve_device_code(
                state.device_code,
                status="approved",
                expires_at=max(state.expires_at, now + APPROVED_MIN_SECONDS),
                approved_at=now,
                token_id=minted.row.id,
                poll_payload=payload,
            )
        return {"status": "approved"}

    def deny(self, user_code: str) -> dict[str, str]:
        with self._store.transaction():
            state = self._pending_state(user_code)
            self._store.credentials.resolve_device_code(
                state.device_code, status="denied", expires_at=state.expires_at
            )
        return {"status": "denied"}

    def _pending_state(self, user_code: str) -> DeviceCodeRow:
        state = self._live(
            self._store.credentials.device_code_by_user_code(normalize_user_code(user_code))
        )
        if state is None:
            raise errors.DeviceFlowError("expired_or_unknown", status=404)
        if state.status != "pending":
            raise errors.DeviceFlowError("already_resolved", status=409)
        return state

    def _live(self, state: DeviceCodeRow | None) -> DeviceCodeRow | None:
        if state is None or state.expires_at <= self._clock.now():
            return None
        return state
