"""Workspaces and members (contract §2.7, every rule of §3.3)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.emulator._helpers import (
    ADA,
    ALAN,
    DEV,
    GRACE,
    KATHERINE,
    LAB,
    PROD,
    UNKNOWN_UUID,
    assert_error,
)
from tests.support.emulator import DEMO

ADA_ID = DEMO.account_id(0x01)
GRACE_ID = DEMO.account_id(0x02)
ALAN_ID = DEMO.account_id(0x03)
KATHERINE_ID = DEMO.account_id(0x04)
EDSGER_ID = DEMO.account_id(0x05)
NEWHIRE_ID = DEMO.account_id(0x07)
MARGARET_ID = DEMO.account_id(0x09)


@pytest.fixture
def ada(emulator):
    return emulator.client(emulator.admin.token(ADA))


@pytest.fixture
def grace(emulator):
    return emulator.client(emulator.admin.token(GRACE))


def test_workspace_list_is_not_paginated_in_s2(ada):
    body = ada.get("/workspaces").json()
    assert body == {
        "workspaces": [
            {"id": DEV, "name": "Acme Dev", "role": "owner", "status": "normal", "current": True},
            {
                "id": PROD,
                "name": "Acme Prod",
                "role": "owner",
                "status": "normal",
                "current": False,
            },
            {
                "id": LAB,
                "name": "Partner Lab",
                "role": "normal",
                "status": "normal",
                "current": False,
            },
        ]
    }


def test_workspace_detail_and_404s(ada):
    body = ada.get(f"/workspaces/{PROD}").json()
    assert body == {
        "id": PROD,
        "name": "Acme Prod",
        "role": "owner",
        "status": "normal",
        "current": False,
        "created_at": "2025-03-01T08:05:00",
    }
    for workspace_id in (UNKNOWN_UUID, "nope"):
        assert_error(ada.get(f"/workspaces/{workspace_id}"), 404, "workspace not found")


def test_switch_moves_the_current_flag(ada):
    body = ada.post(f"/workspaces/{PROD}/switch").json()
    assert body["id"] == PROD and body["current"] is True
    flags = {w["id"]: w["current"] for w in ada.get("/workspaces").json()["workspaces"]}
    assert flags == {DEV: False, PROD: True, LAB: False}
    assert ada.get("/account").json()["default_workspace_id"] == PROD
    assert_error(ada.post(f"/workspaces/{UNKNOWN_UUID}/switch"), 404, "workspace not found")


def test_member_list_envelope_in_join_order(ada):
    body = ada.get(f"/workspaces/{DEV}/members").json()
    assert (body["page"], body["limit"], body["total"], body["has_more"]) == (1, 20, 7, False)
    assert [m["email"] for m in body["data"]][:3] == [ADA, GRACE, ALAN]
    newhire = body["data"][-1]
    assert newhire == {
        "id": NEWHIRE_ID,
        "name": "newhire",
        "email": "newhire@acme.example",
        "role": "normal",
        "status": "pending",
        "avatar": None,
    }
    roles = {m["role"] for m in body["data"]}
    assert roles == {"owner", "admin", "editor", "normal", "dataset_operator"}


def test_member_list_pagination_edges(emulator, ada):
    emulator.admin.bulk(DEV, members=450)
    full = ada.get(f"/workspaces/{DEV}/members", params={"limit": 200}).json()
    assert (full["total"], len(full["data"]), full["has_more"]) == (457, 200, True)
    last = ada.get(f"/workspaces/{DEV}/members", params={"limit": 200, "page": 3}).json()
    assert (len(last["data"]), last["has_more"]) == (57, False)
    past = ada.get(f"/workspaces/{DEV}/members", params={"limit": 200, "page": 4}).json()
    assert past["data"] == [] and past["has_more"] is False
    for params in ({"limit": 201}, {"page": 0}, {"workspace_id": DEV}):
        assert_error(ada.get(f"/workspaces/{DEV}/members", params=params), 422)


def test_any_member_may_list(emulator):
    edsger = emulator.client(emulator.admin.token("edsger@acme.example"))
    assert edsger.get(f"/workspaces/{DEV}/members").status_code == 200


def test_invite_new_email_creates_pending_account(emulator, ada):
    response = ada.post(
        f"/workspaces/{DEV}/members", json={"email": "New.Person@Acme.example", "role": "admin"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["result"] == "success" and body["role"] == "admin"
    assert body["email"] == "new.person@acme.example"
    assert body["tenant_id"] == DEV
    url = urlparse(body["invite_url"])
    assert f"{url.scheme}://{url.netloc}" == emulator.base_url
    assert url.path == "/activate"
    query = parse_qs(url.query)
    assert query["email"] == ["new.person@acme.example"] and len(query["token"][0]) == 36
    members = ada.get(f"/workspaces/{DEV}/members", params={"limit": 50}).json()["data"]
    row = next(m for m in members if m["id"] == body["member_id"])
    assert (row["status"], row["role"], row["name"]) == ("pending", "admin", "new.person")


def test_invite_existing_account_joins_it(ada):
    response = ada.post(
        f"/workspaces/{PROD}/members", json={"email": "radia@partner.example", "role": "normal"}
    )
    assert response.status_code == 201
    assert response.json()["member_id"] == DEMO.account_id(0x0B)


def test_reinvite_pending_member_resends_without_changing_role(ada):
    first = ada.post(
        f"/workspaces/{DEV}/members", json={"email": "newhire@acme.example", "role": "admin"}
    )
    assert first.status_code == 201 and first.json()["member_id"] == NEWHIRE_ID
    members = ada.get(f"/workspaces/{DEV}/members").json()["data"]
    assert next(m for m in members if m["id"] == NEWHIRE_ID)["role"] == "normal"


def test_invite_active_member_again_is_400(ada):
    response = ada.post(f"/workspaces/{DEV}/members", json={"email": GRACE, "role": "normal"})
    assert_error(response, 400, "Account already in tenant.", "bad_request")


@pytest.mark.parametrize(
    "body",
    [
        {"email": "x@acme.example", "role": "owner"},
        {"email": "x@acme.example", "role": "editor"},
        {"email": "x@acme.example", "role": "dataset_operator"},
        {"email": "not-an-email", "role": "normal"},
        {"email": "x@acme.example", "role": "normal", "extra": True},
        {"role": "normal"},
    ],
)
def test_invite_body_is_strict(ada, body):
    body = assert_error(ada.post(f"/workspaces/{DEV}/members", json=body), 422)
    assert body["message"] == "Request validation failed" and body["details"]


def test_invite_needs_owner_or_admin(emulator):
    for email in (ALAN, KATHERINE, "edsger@acme.example"):
        api = emulator.client(emulator.admin.token(email))
        response = api.post(
            f"/workspaces/{DEV}/members", json={"email": "z@acme.example", "role": "normal"}
        )
        assert_error(response, 403, "insufficient workspace role")


def test_member_limit(emulator, ada):
    emulator.admin.settings(member_limit=7)  # Dev already has 7 members
    response = ada.post(
        f"/workspaces/{DEV}/members", json={"email": "newhire@acme.example", "role": "normal"}
    )
    body = assert_error(
        response, 403, "Subscription member limit reached.", "member_limit_exceeded"
    )
    assert body["hint"].startswith("Upgrade your plan")
    emulator.admin.settings(member_limit=8)
    ok = ada.post(
        f"/workspaces/{DEV}/members", json={"email": "one@acme.example", "role": "normal"}
    )
    assert ok.status_code == 201


def test_remove_member_rules(ada, grace):
    assert_error(ada.delete(f"/workspaces/{DEV}/members/{ADA_ID}"), 400, "Cannot operate self.")
    assert_error(
        grace.delete(f"/workspaces/{DEV}/members/{ADA_ID}"), 400, "No permission to remove member."
    )
    assert_error(ada.delete(f"/workspaces/{DEV}/members/{UNKNOWN_UUID}"), 404, "member not found")
    assert_error(ada.delete(f"/workspaces/{DEV}/members/garbage"), 404, "member not found")
    assert_error(
        ada.delete(f"/workspaces/{DEV}/members/{MARGARET_ID}"), 404, "Member not in tenant."
    )
    # An admin may remove other members (not the owner).
    assert grace.delete(f"/workspaces/{DEV}/members/{ALAN_ID}").json() == {"result": "success"}
    ids = [m["id"] for m in ada.get(f"/workspaces/{DEV}/members").json()["data"]]
    assert ALAN_ID not in ids


def test_removing_pending_account_from_its_last_workspace_deletes_it(emulator, ada):
    assert ada.delete(f"/workspaces/{DEV}/members/{NEWHIRE_ID}").status_code == 200
    emails = {a["email"] for a in emulator.admin.accounts()}
    assert "newhire@acme.example" not in emails
    # An active account keeps existing after leaving a workspace.
    assert ada.delete(f"/workspaces/{DEV}/members/{KATHERINE_ID}").status_code == 200
    assert KATHERINE in {a["email"] for a in emulator.admin.accounts()}


def test_change_role_rules(ada, grace):
    url = f"/workspaces/{DEV}/members/{{}}/role"
    assert_error(ada.put(url.format(ADA_ID), json={"role": "admin"}), 400, "Cannot operate self.")
    assert_error(
        grace.put(url.format(ADA_ID), json={"role": "normal"}),
        400,
        "No permission to update member.",
    )
    assert_error(
        ada.put(url.format(MARGARET_ID), json={"role": "admin"}), 404, "Member not in tenant."
    )
    assert_error(ada.put(url.format(UNKNOWN_UUID), json={"role": "admin"}), 404, "member not found")
    assert_error(
        ada.put(url.format(GRACE_ID), json={"role": "admin"}),
        400,
        "The provided role is already assigned to the member.",
    )
    assert_error(ada.put(url.format(GRACE_ID), json={"role": "owner"}), 422)
    assert_error(ada.put(url.format(GRACE_ID), json={"role": "normal", "x": 1}), 422)
    # editors and dataset operators can be moved to normal/admin; admins can be demoted
    assert ada.put(url.format(ALAN_ID), json={"role": "admin"}).json() == {"result": "success"}
    assert grace.put(url.format(EDSGER_ID), json={"role": "normal"}).status_code == 200
    assert ada.put(url.format(GRACE_ID), json={"role": "normal"}).status_code == 200
    roles = {m["id"]: m["role"] for m in ada.get(f"/workspaces/{DEV}/members").json()["data"]}
    assert (roles[ALAN_ID], roles[EDSGER_ID], roles[GRACE_ID]) == ("admin", "normal", "normal")


def test_role_change_needs_owner_or_admin(emulator):
    api = emulator.client(emulator.admin.token(ALAN))
    response = api.put(f"/workspaces/{DEV}/members/{KATHERINE_ID}/role", json={"role": "admin"})
    assert_error(response, 403, "insufficient workspace role")


def test_normal_member_of_partner_lab_cannot_manage_it(ada):
    response = ada.post(
        f"/workspaces/{LAB}/members", json={"email": "y@acme.example", "role": "normal"}
    )
    assert_error(response, 403, "insufficient workspace role")


def test_inviting_yourself_is_cannot_operate_self(ada):
    response = ada.post(f"/workspaces/{DEV}/members", json={"email": ADA, "role": "normal"})
    assert_error(response, 400, "Cannot operate self.")


def test_ids_are_read_like_postgres_uuids(ada):
    # Dify's uuid columns accept any case and the hyphen-less form.
    assert ada.get(f"/workspaces/{PROD.upper()}").json()["id"] == PROD
    assert ada.get(f"/workspaces/{PROD.replace('-', '')}/members").status_code == 200
