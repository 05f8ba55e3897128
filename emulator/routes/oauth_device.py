"""OAuth device flow routes (contract §2.6): code, token, lookup, approve, deny.

`code`, `token` and `lookup` are public. `approve`/`deny` need a *console session*, not a
bearer: the `access_token` cookie set by the `/device` sign-in page plus the matching
`X-CSRF-Token` header (the page's forms send the token as a form field instead; see
`emulator.device_page`). Missing session → 401 "Unauthorized."; bad CSRF → 401.

These handlers parse their bodies the flask-restx `reqparse` way: JSON, each argument
required (a missing or null one is a 400 ErrorBody "Input payload validation failed"
whose details name the argument), values turned into strings, extra keys ignored.

Rate limits (only when rate limiting is on, see `emulator.settings`): device codes
60/hour/IP, lookups 60 per 5 minutes/IP, approve/deny 10/hour/console session, each a
429 ErrorBody `too_many_requests` / `rate_limited`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from emulator import errors
from emulator.routes._common import emulator_of, ok, openapi_extra, read_json
from emulator.routes._models import (
    DeviceCodeRequest,
    DeviceLookupQuery,
    DeviceMutateRequest,
    DevicePollRequest,
)
from emulator.store.rows import AccountRow, ConsoleSessionRow

router = APIRouter()

SESSION_COOKIE = "access_token"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_MISSING_IN = {"json": "the JSON body", "args": "the query string"}


def _required_arguments(source: Any, names: tuple[str, ...], location: str) -> dict[str, str]:
    values = source if isinstance(source, dict) else {}
    parsed: dict[str, str] = {}
    for name in names:
        value = values.get(name)
        if value is None:
            message = f"Missing required parameter in {_MISSING_IN[location]}"
            raise errors.BadRequest(
                "Input payload validation failed",
                details=[errors.ErrorDetail(type="invalid", loc=(name,), msg=message)],
            )
        parsed[name] = value if isinstance(value, str) else str(value)
    return parsed


async def _json_body(request: Request) -> Any:
    try:
        return await read_json(request)
    except errors.RequestValidationFailed:
        # Flask's JSON decoding failure, with the message Dify's handler substitutes.
        raise errors.BadRequest("Invalid JSON payload received or JSON payload is empty.") from None


def _limit(request: Request, key: str, limit: int, window: float) -> None:
    emulator = emulator_of(request)
    if emulator.settings.current().rate_limit_per_minute <= 0:
        return
    if emulator.backend.limiter.hit(key, limit=limit, window=window) is not None:
        raise errors.AccountRateLimited()


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post(
    "/oauth/device/code",
    summary="Start a device authorization",
    openapi_extra=openapi_extra(body=DeviceCodeRequest),
)
async def device_code(request: Request) -> JSONResponse:
    _limit(request, f"device-code:{_client_ip(request)}", 60, 3600.0)
    args = _required_arguments(await _json_body(request), ("client_id", "device_label"), "json")
    emulator = emulator_of(request)
    return ok(
        emulator.backend.device.start(
            args["client_id"],
            args["device_label"],
            settings=emulator.settings.current(),
            console_url=emulator.console_url(str(request.base_url)),
        )
    )


@router.post(
    "/oauth/device/token",
    summary="Poll for the token",
    openapi_extra=openapi_extra(body=DevicePollRequest),
)
async def device_token(request: Request) -> JSONResponse:
    args = _required_arguments(await _json_body(request), ("device_code", "client_id"), "json")
    return ok(emulator_of(request).backend.device.poll(args["device_code"]))


@router.get(
    "/oauth/device/lookup",
    summary="Is this user code pending?",
    openapi_extra=openapi_extra(query=DeviceLookupQuery),
)
async def device_lookup(request: Request) -> JSONResponse:
    _limit(request, f"device-lookup:{_client_ip(request)}", 60, 300.0)
    args = _required_arguments(dict(request.query_params), ("user_code",), "args")
    return ok(emulator_of(request).backend.device.lookup(args["user_code"]))


def console_caller(
    request: Request, csrf_token: str | None
) -> tuple[ConsoleSessionRow, AccountRow]:
    """The signed-in console user, after the CSRF check; 401 otherwise."""
    found = emulator_of(request).backend.accounts.console_session(
        request.cookies.get(SESSION_COOKIE)
    )
    if found is None:
        raise errors.ConsoleLoginRequired()
    session, account = found
    if not csrf_token or csrf_token != session.csrf_token:
        raise errors.CsrfFailed()
    return session, account


@router.post(
    "/oauth/device/approve",
    summary="Approve a device (console session + CSRF)",
    openapi_extra=openapi_extra(body=DeviceMutateRequest),
)
async def device_approve(request: Request) -> JSONResponse:
    account, user_code = await _decision(request)
    emulator = emulator_of(request)
    return ok(
        emulator.backend.device.approve(user_code, account, settings=emulator.settings.current())
    )


@router.post(
    "/oauth/device/deny",
    summary="Deny a device (console session + CSRF)",
    openapi_extra=openapi_extra(body=DeviceMutateRequest),
)
async def device_deny(request: Request) -> JSONResponse:
    _account, user_code = await _decision(request)
    return ok(emulator_of(request).backend.device.deny(user_code))


async def _decision(request: Request) -> tuple[AccountRow, str]:
    """The console user and the user code of an approve or a deny.

    Both share one rate-limit bucket per console session, as on Dify.
    """
    session, account = console_caller(request, request.headers.get(CSRF_HEADER))
    _limit(request, f"device-approve:{session.id}", 10, 3600.0)
    args = _required_arguments(await _json_body(request), ("user_code",), "json")
    return account, args["user_code"]
