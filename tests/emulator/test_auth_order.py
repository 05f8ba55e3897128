"""The S2 auth pipeline over HTTP: every gate of contract §1.3, in order."""

from __future__ import annotations

import pytest

from tests.emulator._helpers import (
    ADA,
    ALAN,
    COST_REPORT,
    DEV,
    KATHERINE,
    LAB,
    LAB_FAQ,
    MARGARET,
    TRIAGE,
    UNKNOWN_UUID,
    assert_error,
)
from tests.support.emulator import DEMO


def test_missing_and_blank_bearer_are_401_bearer_required(emulator):
    api = emulator.client()
    # (a header of only "Bearer " cannot even be sent: trailing spaces are illegal)
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Basic abc"}):
        response = api.get("/workspaces", headers=headers)
        assert_error(response, 401, "bearer required", "unauthorized")
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_bearer_scheme_is_case_insensitive(emulator):
    token = emulator.admin.token(ADA)
    response = emulator.client().get("/workspaces", headers={"Authorization": f"bEaReR {token}"})
    assert response.status_code == 200


@pytest.mark.parametrize("token", ["dfp_abc", "app-123", "garbage", "dfoa_" + "x" * 43])
def test_unknown_prefix_or_row_is_401(emulator, token):
    response = emulator.client(token).get("/workspaces")
    assert_error(response, 401, "invalid_bearer", "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_revoked_and_expired_tokens_are_401_immediately(emulator):
    revoked = emulator.admin.token(ADA)
    api = emulator.client(revoked)
    assert api.delete("/account/sessions/self").status_code == 200
    assert_error(api.get("/account"), 401, "invalid_bearer")

    short = emulator.admin.token(ADA, ttl_seconds=60)
    api = emulator.client(short)
    assert api.get("/account").status_code == 200
    emulator.admin.advance(61)
    assert_error(api.get("/account"), 401, "invalid_bearer")


def test_external_sso_token_on_account_route_is_403(emulator):
    emulator.admin.settings(enterprise=True)
    token = emulator.admin.external_token("partner@sso.example")
    response = emulator.client(token).get("/workspaces")
    assert_error(response, 403, "unsupported_token_type", "forbidden")


def test_external_sso_token_without_enterprise_is_403_requires_ee(emulator):
    token = emulator.admin.external_token("partner@sso.example")
    assert_error(emulator.client(token).get("/account"), 403, "external_sso_requires_ee")


@pytest.mark.parametrize("app_id", ["not-a-uuid", UNKNOWN_UUID])
def test_unknown_app_is_404_app_not_found(emulator, app_id):
    api = emulator.client(emulator.admin.token(ADA))
    assert_error(api.get(f"/apps/{app_id}/describe"), 404, "app not found", "not_found")


@pytest.mark.parametrize(
    "params",
    [{}, {"workspace_id": "nope"}, {"workspace_id": UNKNOWN_UUID}, {"workspace_id": LAB.upper()}],
)
def test_apps_without_a_usable_workspace_id_is_404_not_422(emulator, params):
    # Auth beats validation: a missing workspace_id is "workspace not found" in S2.
    api = emulator.client(emulator.admin.token(ALAN))
    assert_error(api.get("/apps", params=params), 404, "workspace not found")


def test_non_member_gets_404_not_403(emulator):
    api = emulator.client(emulator.admin.token(KATHERINE))
    assert_error(api.get(f"/workspaces/{LAB}/members"), 404, "workspace not found")
    assert_error(api.get(f"/apps/{LAB_FAQ}/describe"), 404, "workspace not found")
    assert_error(api.get("/apps", params={"workspace_id": LAB}), 404, "workspace not found")


def test_archived_workspace(emulator):
    emulator.admin.update_workspace(LAB, status="archive")
    margaret = emulator.client(emulator.admin.token(MARGARET))
    assert_error(margaret.get(f"/workspaces/{LAB}/members"), 404, "workspace not found")
    assert_error(margaret.get(f"/apps/{LAB_FAQ}/describe"), 403, "workspace unavailable")


def test_service_api_disabled_is_403_and_beats_membership(emulator):
    ada = emulator.client(emulator.admin.token(ADA))
    assert_error(ada.get(f"/apps/{COST_REPORT}/export"), 403, "service_api_disabled")
    outsider = emulator.client(emulator.admin.token(MARGARET))
    assert_error(outsider.get(f"/apps/{COST_REPORT}/describe"), 403, "service_api_disabled")


def test_workspace_id_mismatch_on_app_route_is_422(emulator):
    api = emulator.client(emulator.admin.token(ADA))
    response = api.get(f"/apps/{TRIAGE}/describe", params={"workspace_id": LAB})
    assert_error(response, 422, "workspace_id does not match app's workspace", "invalid_param")
    # Export is lenient, so a matching workspace_id passes (describe is strict: 422 anyway).
    assert api.get(f"/apps/{TRIAGE}/export", params={"workspace_id": DEV}).status_code == 200


def test_role_floor_is_403_and_beats_validation(emulator):
    api = emulator.client(emulator.admin.token(ALAN))  # editor in Dev
    response = api.post(f"/workspaces/{DEV}/members", json={"bogus": True})
    assert_error(response, 403, "insufficient workspace role", "forbidden")


def test_auth_beats_validation_for_strict_queries(emulator):
    assert_error(emulator.client().get("/account/sessions?limit=999"), 401, "bearer required")
    api = emulator.client(emulator.admin.token(KATHERINE))
    response = api.get(f"/workspaces/{LAB}/members", params={"limit": 999})
    assert_error(response, 404, "workspace not found")


def test_live_token_of_a_deleted_account_is_401_account_not_found(emulator):
    # Removing a pending invitee from their only workspace deletes the account (§3.3).
    newhire = emulator.client(emulator.admin.token("newhire@acme.example"))
    assert newhire.get("/workspaces").status_code == 200
    owner = emulator.client(emulator.admin.token(ADA))
    newhire_id = DEMO.account_id(0x07)
    assert owner.delete(f"/workspaces/{DEV}/members/{newhire_id}").status_code == 200
    assert_error(newhire.get("/workspaces"), 401, "account not found", "unauthorized")


def test_anti_framing_headers_on_every_response(emulator):
    api = emulator.client()
    for response in (
        api.get("/_health"),
        api.get("/account"),
        api.get("/does-not-exist"),
        emulator.client().get(emulator.base_url + "/device"),
    ):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
