"""`/account` and `/account/sessions*` (contract §2.2)."""

from __future__ import annotations

import re

from tests.emulator._helpers import ADA, DEV, GRACE, LAB, PROD, UNKNOWN_UUID, assert_error
from tests.support.emulator import DEMO

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def test_account_body_has_every_key_and_the_current_workspace(emulator):
    api = emulator.client(emulator.admin.token(ADA))
    body = api.get("/account").json()
    assert body == {
        "subject_type": "account",
        "subject_email": ADA,
        "subject_issuer": None,
        "account": {"id": DEMO.account_id(1), "email": ADA, "name": "Ada Lovelace"},
        "workspaces": [
            {"id": DEV, "name": "Acme Dev", "role": "owner"},
            {"id": PROD, "name": "Acme Prod", "role": "owner"},
            {"id": LAB, "name": "Partner Lab", "role": "normal"},
        ],
        "default_workspace_id": DEV,
    }


def test_default_workspace_falls_back_to_first_membership(emulator):
    body = emulator.client(emulator.admin.token(GRACE)).get("/account").json()
    assert body["default_workspace_id"] == DEV  # no current flag: the first membership


def test_external_sso_account_body(emulator):
    emulator.admin.settings(enterprise=True)
    token = emulator.admin.external_token("Partner@SSO.example", issuer="https://idp.example")
    body = emulator.client(token).get("/account").json()
    assert body == {
        "subject_type": "external_sso",
        "subject_email": "partner@sso.example",
        "subject_issuer": "https://idp.example",
        "account": None,
        "workspaces": [],
        "default_workspace_id": None,
    }


def test_sessions_list_live_tokens_newest_first(emulator):
    first = emulator.admin.mint(ADA, client_id="difyctl", device_label="laptop")
    emulator.admin.advance(5)
    second = emulator.admin.mint(ADA, client_id="difyops", device_label="ci")
    revoked = emulator.admin.mint(ADA, device_label="old")
    expired = emulator.admin.mint(ADA, device_label="short", ttl_seconds=10)
    emulator.admin.mint(GRACE)  # someone else's
    api = emulator.client(second["token"])
    assert emulator.client(revoked["token"]).delete("/account/sessions/self").status_code == 200
    emulator.admin.advance(11)
    assert expired["token_id"]  # expired by now

    body = api.get("/account/sessions").json()
    assert body["page"] == 1 and body["limit"] == 100 and body["has_more"] is False
    assert [row["id"] for row in body["data"]] == [second["token_id"], first["token_id"]]
    row = body["data"][0]
    assert set(row) == {
        "id",
        "prefix",
        "client_id",
        "device_label",
        "created_at",
        "last_used_at",
        "expires_at",
    }
    assert row["prefix"] == "dfoa_"
    assert (row["client_id"], row["device_label"]) == ("difyops", "ci")
    assert ISO_Z.match(row["created_at"]) and ISO_Z.match(row["expires_at"])
    assert ISO_Z.match(row["last_used_at"])  # this very call used it
    assert body["data"][1]["last_used_at"] is None


def test_sessions_pagination_and_strict_query(emulator):
    tokens = [emulator.admin.token(ADA, device_label=f"d{i}") for i in range(5)]
    api = emulator.client(tokens[0])
    page = api.get("/account/sessions", params={"page": 2, "limit": 2}).json()
    assert (page["total"], len(page["data"]), page["has_more"]) == (5, 2, True)
    last = api.get("/account/sessions", params={"page": 3, "limit": 2}).json()
    assert (len(last["data"]), last["has_more"]) == (1, False)
    beyond = api.get("/account/sessions", params={"page": 9, "limit": 2}).json()
    assert beyond["data"] == [] and beyond["total"] == 5
    for params in ({"limit": 201}, {"limit": 0}, {"page": 0}, {"page": "x"}, {"extra": 1}):
        body = assert_error(api.get("/account/sessions", params=params), 422)
        assert body["message"] == "Request validation failed"
        assert body["details"][0]["loc"] == [next(iter(params))]
    assert api.get("/account/sessions", params={"limit": 200}).status_code == 200


def test_revoke_self_kills_the_token_at_once(emulator):
    api = emulator.client(emulator.admin.token(ADA))
    assert api.delete("/account/sessions/self").json() == {"status": "revoked"}
    assert_error(api.get("/account"), 401)


def test_revoke_by_id_only_for_own_sessions(emulator):
    mine = emulator.admin.mint(ADA, device_label="other")
    theirs = emulator.admin.mint(GRACE)
    api = emulator.client(emulator.admin.token(ADA))
    for session_id in (theirs["token_id"], UNKNOWN_UUID, "not-a-uuid"):
        assert_error(api.delete(f"/account/sessions/{session_id}"), 404, "session not found")
    assert api.delete(f"/account/sessions/{mine['token_id']}").json() == {"status": "revoked"}
    assert_error(emulator.client(mine["token"]).get("/account"), 401)
    # Ownership ignores revocation state: revoking again is still 200.
    assert api.delete(f"/account/sessions/{mine['token_id']}").status_code == 200


def test_revoking_own_current_id_kills_the_current_token(emulator):
    minted = emulator.admin.mint(ADA)
    api = emulator.client(minted["token"])
    assert api.delete(f"/account/sessions/{minted['token_id']}").status_code == 200
    assert_error(api.get("/account"), 401)


def test_account_rate_limit_is_too_many_requests(emulator):
    emulator.admin.settings(rate_limit_per_minute=3)
    tokens = [emulator.admin.token(ADA, device_label=f"t{i}") for i in range(4)]
    for token in tokens[:3]:
        assert emulator.client(token).get("/account").status_code == 200
    # A fresh token (own bearer window) still hits the per-account limit of GET /account.
    body = assert_error(emulator.client(tokens[3]).get("/account"), 429, "rate_limited")
    assert body["code"] == "too_many_requests"
