"""Minting, hashing and revoking bearer tokens (contract §1.2).

A token is its kind's prefix plus 43 url-safe characters (32 random bytes). Only the
sha256 of the token is stored; a revoked row loses its hash. Re-login through the device
flow with the same (email, issuer, client_id, device_label) *rotates*: the previous live
token for that quadruple is revoked when the new one is minted.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from emulator.backend.common import PREFIX_BY_KIND, TokenKind, new_id
from emulator.clock import Clock
from emulator.settings import EmulatorSettings
from emulator.store import Store
from emulator.store.rows import TokenRow

DAY = 86_400.0


def sha256_hex(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def kind_of(token: str) -> TokenKind | None:
    """Token kind by prefix, never by database contents."""
    for kind, prefix in PREFIX_BY_KIND.items():
        if token.startswith(prefix):
            return kind
    return None


@dataclass(frozen=True)
class MintedToken:
    token: str
    row: TokenRow


class TokenService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def mint(
        self,
        *,
        kind: TokenKind,
        subject_email: str,
        subject_issuer: str | None,
        account_id: str | None,
        client_id: str,
        device_label: str,
        settings: EmulatorSettings,
        ttl_seconds: float | None = None,
        rotate: bool = True,
    ) -> MintedToken:
        now = self._clock.now()
        token = PREFIX_BY_KIND[kind] + secrets.token_urlsafe(32)
        lifetime = ttl_seconds if ttl_seconds is not None else settings.token_ttl_days * DAY
        row = TokenRow(
            id=new_id(),
            token_hash=sha256_hex(token),
            prefix=PREFIX_BY_KIND[kind],
            account_id=account_id,
            subject_email=subject_email,
            subject_issuer=subject_issuer,
            client_id=client_id,
            device_label=device_label,
            created_at=now,
            last_used_at=None,
            expires_at=now + lifetime,
            revoked_at=None,
        )
        with self._store.transaction():
            if rotate:
                previous = self._store.credentials.live_tokens_for_triple(
                    subject_email, subject_issuer, client_id, device_label
                )
                for old in previous:
                    self._store.credentials.revoke(old.id, now)
            self._store.credentials.insert_token(row)
        return MintedToken(token=token, row=row)

    def resolve(self, token: str) -> TokenRow | None:
        """The live row for a presented token; an expired row is hard-revoked on first use."""
        row = self._store.credentials.token_by_hash(sha256_hex(token))
        if row is None:
            return None
        now = self._clock.now()
        if row.expires_at <= now:
            self._store.credentials.revoke(row.id, now)
            return None
        return row

    def touch(self, row: TokenRow) -> None:
        self._store.credentials.touch(row.id, self._clock.now())

    def revoke(self, token_id: str) -> None:
        self._store.credentials.revoke(token_id, self._clock.now())
