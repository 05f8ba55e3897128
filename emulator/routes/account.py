"""`/account` and `/account/sessions*` (contract §2.2).

Open point (§5) decided here: on S2 these routes accept both token kinds, answering the
S1 polymorphic body for an external-SSO subject (the S2 AccountResponse keeps the
`subject_email`/`subject_issuer` fields); every other route is account-only.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from emulator import errors
from emulator.backend.context import ANY_KIND, RouteRule
from emulator.routes._common import authorize, emulator_of, ok, openapi_extra, validate_query
from emulator.routes._models import SessionListQuery

router = APIRouter()

SUBJECT = RouteRule(kinds=ANY_KIND)
ACCOUNT_WINDOW_SECONDS = 60.0


@router.get("/account", summary="The calling subject")
async def get_account(request: Request) -> JSONResponse:
    auth = authorize(request, SUBJECT)
    emulator = emulator_of(request)
    # The extra per-account (per email for SSO) limit of GET /account.
    subject = auth.caller.token.account_id or auth.caller.token.subject_email
    retry_after = emulator.backend.limiter.hit(
        f"account:{subject}",
        limit=emulator.settings.current().rate_limit_per_minute,
        window=ACCOUNT_WINDOW_SECONDS,
    )
    if retry_after is not None:
        raise errors.AccountRateLimited()
    return ok(emulator.backend.accounts.describe(auth))


@router.get(
    "/account/sessions",
    summary="Live sessions (tokens) of the caller",
    openapi_extra=openapi_extra(query=SessionListQuery),
)
async def list_sessions(request: Request) -> JSONResponse:
    auth = authorize(request, SUBJECT)
    query = validate_query(SessionListQuery, request)
    return ok(
        emulator_of(request).backend.accounts.sessions(auth, page=query.page, limit=query.limit)
    )


@router.delete("/account/sessions/self", summary="Revoke the calling token")
async def revoke_self(request: Request) -> JSONResponse:
    auth = authorize(request, SUBJECT)
    return ok(emulator_of(request).backend.accounts.revoke_self(auth))


@router.delete("/account/sessions/{session_id}", summary="Revoke one of the caller's sessions")
async def revoke_session(request: Request, session_id: str) -> JSONResponse:
    auth = authorize(request, SUBJECT)
    return ok(emulator_of(request).backend.accounts.revoke_session(auth, session_id))
