"""The `/device` page: where a person approves a CLI login (outside `/openapi/v1`).

Plain HTML forms, no JavaScript: sign in with a seeded account's email and password
(`demo-password` for every demo account), type the user code shown by the CLI, press
Approve or Deny. Signing in sets the same console-session cookies that
`POST /openapi/v1/oauth/device/approve|deny` require (`access_token` + `csrf_token`);
the decision form carries the CSRF token as a hidden field, checked against the session
the way those endpoints check the `X-CSRF-Token` header, and both paths call the same
backend rules.

    GET  /device[?user_code=ABCD-EFGH]   sign-in form, or the code form when signed in
    POST /device/login     email, password[, user_code]   → 303 to /device
    POST /device/decision  user_code, action=approve|deny, csrf_token
    POST /device/logout    csrf_token
"""

from __future__ import annotations

import html
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from emulator import errors
from emulator.backend.device_flow import normalize_user_code
from emulator.routes._common import emulator_of
from emulator.routes.oauth_device import CSRF_COOKIE, SESSION_COOKIE
from emulator.store.rows import AccountRow, ConsoleSessionRow

router = APIRouter(include_in_schema=False)

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 30rem; margin: 4rem auto; color: #1f2937; }
h1 { font-size: 1.4rem; } label { display: block; margin: .8rem 0 .2rem; }
input { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
button { margin: 1rem .5rem 0 0; padding: .5rem 1.2rem; font-size: 1rem; }
.note { color: #4b5563; } .error { color: #b91c1c; } .ok { color: #047857; }
"""

_MESSAGES = {
    "expired_or_unknown": "This code is unknown or has expired. Start the login again.",
    "already_resolved": "This code has already been approved or denied.",
}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)} · Dify emulator</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status)


async def _form(request: Request) -> dict[str, str]:
    raw = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(raw, keep_blank_values=True))


def _session(request: Request) -> tuple[ConsoleSessionRow, AccountRow] | None:
    return emulator_of(request).backend.accounts.console_session(
        request.cookies.get(SESSION_COOKIE)
    )


def _sign_in_form(user_code: str, error: str | None = None) -> str:
    problem = f"<p class='error'>{html.escape(error)}</p>" if error else ""
    return (
        f"{problem}<p class='note'>Sign in to approve a command-line login.</p>"
        "<form method='post' action='/device/login'>"
        "<label for='email'>Email</label>"
        "<input id='email' name='email' type='email' autocomplete='username' required>"
        "<label for='password'>Password</label>"
        "<input id='password' name='password' type='password' required>"
        f"<input type='hidden' name='user_code' value='{html.escape(user_code, quote=True)}'>"
        "<button type='submit'>Sign in</button></form>"
    )


def _code_form(account: AccountRow, session: ConsoleSessionRow, user_code: str, note: str) -> str:
    csrf = html.escape(session.csrf_token, quote=True)
    return (
        f"<p>Signed in as <strong>{html.escape(account.name)}</strong> "
        f"({html.escape(account.email)}).</p>{note}"
        "<form method='post' action='/device/decision'>"
        "<label for='user_code'>Code shown by the CLI</label>"
        f"<input id='user_code' name='user_code' value='{html.escape(user_code, quote=True)}'"
        " placeholder='ABCD-EFGH' required>"
        f"<input type='hidden' name='csrf_token' value='{csrf}'>"
        "<button type='submit' name='action' value='approve'>Approve</button>"
        "<button type='submit' name='action' value='deny'>Deny</button></form>"
        "<form method='post' action='/device/logout'>"
        f"<input type='hidden' name='csrf_token' value='{csrf}'>"
        "<button type='submit'>Sign out</button></form>"
    )


@router.get("/device")
async def device_page(request: Request) -> Response:
    user_code = request.query_params.get("user_code", "")
    found = _session(request)
    if found is None:
        return _page("Sign in", _sign_in_form(user_code))
    session, account = found
    note = ""
    if user_code:
        info = emulator_of(request).backend.device.lookup(user_code)
        if info["valid"]:
            note = (
                f"<p class='note'>The application <strong>{html.escape(str(info['client_id']))}"
                "</strong> asks for access to your account.</p>"
            )
        else:
            note = f"<p class='error'>{_MESSAGES['expired_or_unknown']}</p>"
    return _page("Device login", _code_form(account, session, user_code, note))


@router.post("/device/login")
async def device_login(request: Request) -> Response:
    form = await _form(request)
    user_code = form.get("user_code", "")
    session = emulator_of(request).backend.accounts.console_sign_in(
        form.get("email", ""), form.get("password", "")
    )
    if session is None:
        return _page("Sign in", _sign_in_form(user_code, "Wrong email or password."), status=401)
    target = "/device" + (f"?{urlencode({'user_code': user_code})}" if user_code else "")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, session.id, httponly=True, samesite="lax", path="/")
    response.set_cookie(CSRF_COOKIE, session.csrf_token, samesite="lax", path="/")
    return response


@router.post("/device/decision")
async def device_decision(request: Request) -> Response:
    form = await _form(request)
    found = _session(request)
    if found is None:
        return _page(
            "Sign in", _sign_in_form(form.get("user_code", ""), "Please sign in first."), 401
        )
    session, account = found
    if form.get("csrf_token") != session.csrf_token:
        return _page("Device login", "<p class='error'>The form expired; reload the page.</p>", 403)
    user_code = normalize_user_code(form.get("user_code", ""))
    emulator = emulator_of(request)
    try:
        if form.get("action") == "deny":
            emulator.backend.device.deny(user_code)
            message = "<p class='ok'>Login denied. The CLI will report that access was denied.</p>"
        else:
            emulator.backend.device.approve(
                user_code, account, settings=emulator.settings.current()
            )
            message = "<p class='ok'>Device approved. You can return to your terminal.</p>"
    except errors.DeviceFlowError as refusal:
        note = f"<p class='error'>{_MESSAGES.get(refusal.error, refusal.error)}</p>"
        return _page(
            "Device login", _code_form(account, session, user_code, note), refusal.http_status
        )
    return _page("Device login", message)


@router.post("/device/logout")
async def device_logout(request: Request) -> Response:
    form = await _form(request)
    found = _session(request)
    if found is not None and form.get("csrf_token") == found[0].csrf_token:
        emulator_of(request).backend.accounts.console_sign_out(found[0].id)
    response = RedirectResponse("/device", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response
