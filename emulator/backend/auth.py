"""The S2 auth pipeline of contract §1.3, in its exact order (the first failure wins).

 1. edition gate (Enterprise-only routes) → 404 with the default message, before any auth
 2. no or blank bearer → 401 `bearer required` (+ `WWW-Authenticate`)
 3. per-token rate limit, counted *before* the row lookup, for known prefixes only
 4. unknown prefix / no live row / revoked / expired → 401 `invalid_bearer`
 5. token kind not allowed on the route → 403 `unsupported_token_type`
    (a `dfoe_` token on a server that is not Enterprise → 403 `external_sso_requires_ee`)
 6. app routes: non-UUID, unknown or non-normal app → 404 `app not found`;
    its workspace archived → 403 `workspace unavailable`
 7. workspace routes: workspace id from the path, else the query; missing, non-UUID,
    unknown or archived → 404 `workspace not found`
 8. the caller's account row is gone → 401 `account not found`
 9. app routes: Service API disabled → 403 `service_api_disabled`
10. (scopes: `dfoa_` carries `full`, `dfoe_` only reaches routes its scopes allow)
11. not a member of the workspace (for app routes: the app's) → 404 `workspace not found`
12. app routes with `?workspace_id=` naming another workspace → 422 `invalid_param`
13. role floor → 403 `insufficient workspace role`

Request validation runs only after this (the routes call `authorize` first).
"""

from __future__ import annotations

from emulator import errors
from emulator.backend.common import canonical_uuid
from emulator.backend.context import Authorized, Caller, RouteRule
from emulator.backend.rate_limit import SlidingWindowLimiter
from emulator.backend.tokens import TokenService, kind_of, sha256_hex
from emulator.settings import EmulatorSettings
from emulator.store import Store
from emulator.store.rows import AppRow, WorkspaceRow

BEARER_WINDOW_SECONDS = 60.0


class AuthPipeline:
    def __init__(self, store: Store, tokens: TokenService, limiter: SlidingWindowLimiter) -> None:
        self._store = store
        self._tokens = tokens
        self._limiter = limiter

    def authorize(
        self,
        bearer: str | None,
        rule: RouteRule,
        settings: EmulatorSettings,
        *,
        app_id: str | None = None,
        path_workspace_id: str | None = None,
        query_workspace_id: str | None = None,
    ) -> Authorized:
        if rule.enterprise_only and not settings.enterprise:
            raise errors.NotFound()
        caller = self._authenticate(bearer, rule, settings)

        app = self._load_app(app_id) if rule.app_scoped else None
        workspace: WorkspaceRow | None = None
        if rule.workspace_scoped:
            workspace = self._load_workspace(path_workspace_id or query_workspace_id)

        if caller.kind == "account" and caller.account is None:
            raise errors.AccountMissing()
        if app is not None and not app.enable_api:
            raise errors.ServiceApiDisabled()

        role: str | None = None
        target = app.workspace_id if app is not None else workspace.id if workspace else None
        if caller.kind == "account" and target is not None:
            membership = self._store.people.membership(target, caller.account_id)
            if membership is None:
                raise errors.WorkspaceNotFound()
            role = membership.role
            if app is not None:
                workspace = membership.workspace
                if (
                    query_workspace_id is not None
                    and canonical_uuid(query_workspace_id) != app.workspace_id
                ):
                    raise errors.WorkspaceMismatch()
        if rule.roles is not None and role not in rule.roles:
            raise errors.InsufficientRole()

        self._tokens.touch(caller.token)
        return Authorized(caller=caller, app=app, workspace=workspace, role=role)

    def _authenticate(
        self, bearer: str | None, rule: RouteRule, settings: EmulatorSettings
    ) -> Caller:
        if not bearer:
            raise errors.BearerRequired()
        kind = kind_of(bearer)
        if kind is None:
            raise errors.InvalidBearer()
        retry_after = self._limiter.hit(
            "bearer:" + sha256_hex(bearer),
            limit=settings.rate_limit_per_minute,
            window=BEARER_WINDOW_SECONDS,
        )
        if retry_after is not None:
            raise errors.BearerRateLimited(retry_after)
        row = self._tokens.resolve(bearer)
        if row is None or (kind == "account") != (row.account_id is not None):
            raise errors.InvalidBearer()
        if kind not in rule.kinds:
            raise errors.UnsupportedTokenType()
        if kind == "external_sso" and not settings.enterprise:
            raise errors.ExternalSsoRequiresEnterprise()
        account = self._store.people.account(row.account_id) if row.account_id else None
        return Caller(kind=kind, token=row, account=account)

    def _load_app(self, app_id: str | None) -> AppRow:
        canonical = canonical_uuid(app_id)
        if canonical is None:
            raise errors.AppNotFound()
        app = self._store.apps.app(canonical)
        if app is None or app.status != "normal":
            raise errors.AppNotFound()
        workspace = self._store.people.workspace(app.workspace_id)
        if workspace is None or workspace.status == "archive":
            raise errors.WorkspaceUnavailable()
        return app

    def _load_workspace(self, workspace_id: str | None) -> WorkspaceRow:
        canonical = canonical_uuid(workspace_id)
        if canonical is None:
            raise errors.WorkspaceNotFound()
        workspace = self._store.people.workspace(canonical)
        if workspace is None or workspace.status == "archive":
            raise errors.WorkspaceNotFound()
        return workspace
