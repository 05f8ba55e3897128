"""Who is calling and what a route demands of them (inputs and outputs of the auth pipeline)."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.backend.common import TokenKind
from emulator.store.rows import AccountRow, AppRow, TokenRow, WorkspaceRow

ACCOUNT_ONLY: frozenset[TokenKind] = frozenset({"account"})
EXTERNAL_ONLY: frozenset[TokenKind] = frozenset({"external_sso"})
ANY_KIND: frozenset[TokenKind] = frozenset({"account", "external_sso"})
MANAGERS = frozenset({"owner", "admin"})
# `account_app_guards(..., editor=True)`: the roles that may edit an app.
EDITORS = frozenset({"owner", "admin", "editor"})


@dataclass(frozen=True)
class RouteRule:
    """What a route requires, declared once per route (Dify's `guard(...)` arguments)."""

    kinds: frozenset[TokenKind] = ACCOUNT_ONLY
    app_scoped: bool = False
    workspace_scoped: bool = False
    roles: frozenset[str] | None = None
    enterprise_only: bool = False


@dataclass(frozen=True)
class Caller:
    kind: TokenKind
    token: TokenRow
    account: AccountRow | None

    @property
    def account_id(self) -> str:
        """The caller's account id; only valid for account tokens."""
        if self.account is None:
            raise RuntimeError("external SSO callers have no account")
        return self.account.id


@dataclass(frozen=True)
class Authorized:
    """A request that passed every gate of the pipeline."""

    caller: Caller
    app: AppRow | None = None
    workspace: WorkspaceRow | None = None
    role: str | None = None

    @property
    def account(self) -> AccountRow:
        if self.caller.account is None:
            raise RuntimeError("external SSO callers have no account")
        return self.caller.account

    def require_workspace(self) -> WorkspaceRow:
        if self.workspace is None:
            raise RuntimeError("route is not workspace-scoped")
        return self.workspace

    def require_app(self) -> AppRow:
        if self.app is None:
            raise RuntimeError("route is not app-scoped")
        return self.app
