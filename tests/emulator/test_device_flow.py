"""OAuth device flow (contract §2.6, §3.4) and the `/device` page."""

from __future__ import annotations

import re

import pytest

from tests.emulator._helpers import ADA, DEV, LAB, PROD, assert_error
from tests.support.emulator import DEMO

USER_CODE = re.compile(r"^[ABCDEFGHJKLMNPQRSTUVWXY3456789]{4}-[ABCDEFGHJKLMNPQRSTUVWXY3456789]{4}$")


def start(api, client_id="difyctl", device_label="laptop"):
    response = api.post(
        "/oauth/device/code", json={"client_id": client_id, "device_label": device_label}
    )
    assert response.status_code == 200, response.text
    return response.json()


def poll(api, device_code):
    return api.post("/oauth/device/token", json={"device_code": device_code, "client_id": "any"})


def rfc_error(response, error):
    assert response.status_code == 400, response.text
    assert response.json() == {"error": error}


def test_device_code_answer(emulator):
    body = start(emulator.client())
    assert set(body) == {"device_code", "user_code", "verification_uri", "expires_in", "interval"}
    assert body["device_code"].startswith("dc_") and len(body["device_code"]) == 35
    assert USER_CODE.match(body["user_code"])
    assert body["verification_uri"] == f"{emulator.base_url}/device"
    assert (body["expires_in"], body["interval"]) == (900, 5)


def test_console_url_setting_moves_the_verification_uri(emulator):
    emulator.admin.settings(console_url="https://console.acme.example/")
    assert start(emulator.client())["verification_uri"] == "https://console.acme.example/device"


def test_device_code_validation(emulator):
    api = emulator.client()
    response = api.post("/oauth/device/code", json={"client_id": "evil", "device_label": "x"})
    assert (response.status_code, response.json()) == (400, {"error": "unsupported_client"})
    missing = api.post("/oauth/device/code", json={"client_id": "difyctl"})
    body = assert_error(missing, 400, "Input payload validation failed", "bad_request")
    assert body["details"][0]["loc"] == ["device_label"]
    assert start(api, client_id="difyops")["user_code"]


def test_full_login_with_slow_down_timing(emulator):
    api = emulator.client()
    code = start(api)
    rfc_error(poll(api, code["device_code"]), "authorization_pending")  # first poll never slow_down
    rfc_error(poll(api, code["device_code"]), "slow_down")
    emulator.admin.advance(4)
    # the slow_down poll refreshed the last-poll time: 4 s later is still too soon
    rfc_error(poll(api, code["device_code"]), "slow_down")
    emulator.admin.advance(5)
    rfc_error(poll(api, code["device_code"]), "authorization_pending")
    assert emulator.admin.approve(code["user_code"]).json() == {"status": "approved"}
    emulator.admin.advance(5)
    response = poll(api, code["device_code"])
    assert response.status_code == 200
    payload = response.json()
    assert list(payload) == [
        "token",
        "expires_at",
        "subject_type",
        "account",
        "workspaces",
        "default_workspace_id",
        "token_id",
    ]
    assert payload["token"].startswith("dfoa_") and len(payload["token"]) == 48
    assert payload["expires_at"].endswith("+00:00")
    assert payload["subject_type"] == "account"
    assert payload["account"] == {"id": DEMO.account_id(1), "email": ADA, "name": "Ada Lovelace"}
    assert [w["id"] for w in payload["workspaces"]] == [DEV, PROD, LAB]
    assert payload["default_workspace_id"] == DEV
    sessions = emulator.client(payload["token"]).get("/account/sessions").json()["data"]
    assert sessions[0]["id"] == payload["token_id"]
    assert (sessions[0]["client_id"], sessions[0]["device_label"]) == ("difyctl", "laptop")
    # one-shot: the payload is gone
    emulator.admin.advance(5)
    rfc_error(poll(api, code["device_code"]), "expired_token")


def test_access_denied_is_one_shot(emulator):
    api = emulator.client()
    code = start(api)
    assert emulator.admin.deny(code["user_code"]).json() == {"status": "denied"}
    rfc_error(poll(api, code["device_code"]), "access_denied")
    emulator.admin.advance(5)
    rfc_error(poll(api, code["device_code"]), "expired_token")


def test_codes_expire_after_900_seconds(emulator):
    api = emulator.client()
    code = start(api)
    emulator.admin.advance(901)
    rfc_error(poll(api, code["device_code"]), "expired_token")
    late = emulator.admin.approve(code["user_code"])
    assert (late.status_code, late.json()) == (404, {"error": "expired_or_unknown"})


def test_approved_payload_lives_at_least_60_seconds(emulator):
    api = emulator.client()
    code = start(api)
    emulator.admin.advance(890)
    emulator.admin.approve(code["user_code"])
    emulator.admin.advance(50)  # past the original 900 s, within the 60 s grace
    assert poll(api, code["device_code"]).status_code == 200


def test_unknown_device_code(emulator):
    rfc_error(poll(emulator.client(), "dc_unknown"), "expired_token")
    missing = emulator.client().post("/oauth/device/token", json={"device_code": "dc_x"})
    assert_error(missing, 400, "Input payload validation failed")


def test_relogin_rotates_the_previous_token(emulator):
    api = emulator.client()
    tokens = []
    for _ in range(2):
        code = start(api, device_label="same laptop")
        emulator.admin.approve(code["user_code"])
        tokens.append(poll(api, code["device_code"]).json()["token"])
    assert_error(emulator.client(tokens[0]).get("/account"), 401)
    assert emulator.client(tokens[1]).get("/account").status_code == 200
    other = start(api, device_label="another laptop")
    emulator.admin.approve(other["user_code"])
    assert poll(api, other["device_code"]).status_code == 200
    assert emulator.client(tokens[1]).get("/account").status_code == 200  # other triple


def test_lookup(emulator):
    api = emulator.client()
    code = start(api)
    lower = code["user_code"].lower()
    assert api.get("/oauth/device/lookup", params={"user_code": f"  {lower} "}).json() == {
        "valid": True,
        "expires_in_remaining": 900,
        "client_id": "difyctl",
    }
    emulator.admin.advance(300)  # still the full lifetime, as Dify answers
    assert (
        api.get("/oauth/device/lookup", params={"user_code": lower}).json()["expires_in_remaining"]
        == 900
    )
    emulator.admin.approve(code["user_code"])
    assert api.get("/oauth/device/lookup", params={"user_code": lower}).json() == {
        "valid": False,
        "expires_in_remaining": 0,
        "client_id": "difyctl",
    }
    assert api.get("/oauth/device/lookup", params={"user_code": "ZZZZ-ZZZZ"}).json() == {
        "valid": False,
        "expires_in_remaining": 0,
        "client_id": None,
    }
    assert_error(api.get("/oauth/device/lookup"), 400, "Input payload validation failed")


def test_admin_approve_conflicts(emulator):
    code = start(emulator.client())
    emulator.admin.approve(code["user_code"])
    again = emulator.admin.approve(code["user_code"])
    assert (again.status_code, again.json()) == (409, {"error": "already_resolved"})
    assert emulator.admin.deny(code["user_code"]).status_code == 409


# --- the console side: approve/deny endpoints and the /device page ---------------------


def sign_in(emulator, email=ADA, password="demo-password"):
    browser = emulator.client(follow_redirects=False)
    response = browser.post(
        emulator.base_url + "/device/login",
        data={"email": email, "password": password, "user_code": ""},
    )
    return browser, response


def test_api_approve_requires_console_session_and_csrf(emulator):
    api = emulator.client()
    code = start(api)
    no_session = api.post("/oauth/device/approve", json={"user_code": code["user_code"]})
    assert_error(no_session, 401, "Unauthorized.", "unauthorized")
    browser, response = sign_in(emulator)
    assert response.status_code == 303
    bad_csrf = browser.post("/oauth/device/approve", json={"user_code": code["user_code"]})
    assert_error(bad_csrf, 401, "CSRF token is missing or invalid.")
    csrf = browser.cookies["csrf_token"]
    approved = browser.post(
        "/oauth/device/approve",
        json={"user_code": code["user_code"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert approved.json() == {"status": "approved"}
    again = browser.post(
        "/oauth/device/deny", json={"user_code": code["user_code"]}, headers={"X-CSRF-Token": csrf}
    )
    assert (again.status_code, again.json()) == (409, {"error": "already_resolved"})
    unknown = browser.post(
        "/oauth/device/deny", json={"user_code": "AAAA-AAAA"}, headers={"X-CSRF-Token": csrf}
    )
    assert (unknown.status_code, unknown.json()) == (404, {"error": "expired_or_unknown"})
    assert poll(api, code["device_code"]).json()["account"]["email"] == ADA


def test_wrong_password_and_pending_accounts_cannot_sign_in(emulator):
    _, wrong = sign_in(emulator, password="nope")
    assert wrong.status_code == 401 and "Wrong email or password" in wrong.text
    _, pending = sign_in(emulator, email="newhire@acme.example")
    assert pending.status_code == 401


@pytest.mark.parametrize("action", ["approve", "deny"])
def test_device_page_flow_with_plain_forms(emulator, action):
    api = emulator.client()
    code = start(api, device_label="page test")
    browser = emulator.client(follow_redirects=True)
    page = browser.get(f"{emulator.base_url}/device", params={"user_code": code["user_code"]})
    assert "<form method='post' action='/device/login'>" in page.text
    signed_in = browser.post(
        f"{emulator.base_url}/device/login",
        data={"email": ADA, "password": "demo-password", "user_code": code["user_code"]},
    )
    assert signed_in.status_code == 200
    assert "Signed in as <strong>Ada Lovelace</strong>" in signed_in.text
    assert "asks for access" in signed_in.text and code["user_code"] in signed_in.text
    csrf = re.search(r"name='csrf_token' value='([^']+)'", signed_in.text).group(1)
    decided = browser.post(
        f"{emulator.base_url}/device/decision",
        data={"user_code": code["user_code"].lower(), "action": action, "csrf_token": csrf},
    )
    assert decided.status_code == 200
    if action == "approve":
        assert "Device approved" in decided.text
        assert poll(api, code["device_code"]).status_code == 200
    else:
        assert "Login denied" in decided.text
        rfc_error(poll(api, code["device_code"]), "access_denied")
    replay = browser.post(
        f"{emulator.base_url}/device/decision",
        data={"user_code": code["user_code"], "action": "approve", "csrf_token": csrf},
    )
    assert replay.status_code in (404, 409)


def test_device_page_rejects_forged_forms(emulator):
    code = start(emulator.client())
    browser, _ = sign_in(emulator)
    forged = browser.post(
        f"{emulator.base_url}/device/decision",
        data={"user_code": code["user_code"], "action": "approve", "csrf_token": "forged"},
    )
    assert forged.status_code == 403
    anonymous = emulator.client().post(
        f"{emulator.base_url}/device/decision",
        data={"user_code": code["user_code"], "action": "approve", "csrf_token": "x"},
    )
    assert anonymous.status_code == 401
    csrf = browser.cookies["csrf_token"]
    out = browser.post(f"{emulator.base_url}/device/logout", data={"csrf_token": csrf})
    assert out.status_code == 303
    after = emulator.client().get(f"{emulator.base_url}/device")
    assert "Sign in" in after.text


def test_device_rate_limits_when_enabled(emulator):
    emulator.admin.settings(rate_limit_per_minute=60)
    api = emulator.client()
    for _ in range(60):
        start(api)
    body = assert_error(
        api.post("/oauth/device/code", json={"client_id": "difyctl", "device_label": "x"}), 429
    )
    assert (body["code"], body["message"]) == ("too_many_requests", "rate_limited")
