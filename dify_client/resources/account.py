"""`/account` and the caller's sessions (its live bearer tokens)."""

from __future__ import annotations

from dify_client._pagination import Page
from dify_client.models.account import Account, RevokeResponse, Session
from dify_client.resources._base import Resource


class AccountResource(Resource):
    def get(self) -> Account:
        """Who the token belongs to, its workspaces and its default workspace."""
        return self._call("describe.account", Account)


class SessionsResource(Resource):
    def list(self, *, page: int = 1, limit: int = 100) -> Page[Session]:
        """The caller's live sessions; iterating the page walks every page."""
        return self._page("get.account.session", Session, params={}, page=page, limit=limit)

    def revoke(self, session_id: str) -> RevokeResponse:
        """Revoke one of the caller's sessions (404 for anybody else's)."""
        return self._call("delete.account.session", RevokeResponse, {"session_id": session_id})

    def revoke_current(self) -> RevokeResponse:
        """Revoke the token making this call; the next call with it gets 401."""
        return self._call("delete.account.current_session", RevokeResponse)
