"""The operator API under `/_emulator/` and the request counters."""

from __future__ import annotations

import httpx
import yaml

from emulator.server import EmulatorServer
from emulator.settings import EmulatorSettings
from tests.emulator._helpers import ADA, DEV, ONBOARDING, TRIAGE, assert_error


def test_admin_api_is_404_without_the_token(emulator):
    anonymous = emulator.client()
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = anonymous.get(f"{emulator.base_url}/_emulator/stats", headers=headers)
        assert response.status_code == 404
    assert anonymous.get(f"{emulator.base_url}/_emulator/nothing-here").status_code == 404


def test_admin_api_is_off_without_an_admin_token():
    with EmulatorServer(seed=None) as server, httpx.Client(base_url=server.base_url) as http:
        assert (
            http.get("/_emulator/stats", headers={"Authorization": "Bearer x"}).status_code == 404
        )
        assert http.get("/_emulator/accounts").status_code == 404
        assert http.get("/openapi/v1/_health").status_code == 200


def test_stats_count_every_request_by_route_template(emulator):
    token = emulator.admin.token(ADA)
    emulator.admin.reset_stats()
    api = emulator.client(token)
    api.get(f"/apps/{TRIAGE}/export")
    api.get(f"/apps/{ONBOARDING}/export")
    api.get("/apps", params={"workspace_id": DEV})
    api.post(f"/workspaces/{DEV}/apps/imports", json={})
    api.post(f"/workspaces/{DEV}/apps/imports/x/confirm")
    api.delete("/account/sessions/self")
    emulator.client().get("/apps/x/launch")
    emulator.client().get(f"{emulator.base_url}/device")  # outside /openapi/v1: not counted
    assert emulator.admin.stats() == {
        "GET /apps/{app_id}/export": 2,
        "GET /apps": 1,
        "POST /workspaces/{workspace_id}/apps/imports": 1,
        "POST /workspaces/{workspace_id}/apps/imports/{import_id}/confirm": 1,
        "DELETE /account/sessions/self": 1,
        "GET /apps/x/launch": 1,
    }
    emulator.admin.reset_stats()
    assert emulator.admin.stats() == {}


def test_clock_advances_and_reset_rewinds(emulator):
    before = emulator.admin.clock()
    assert before["offset_seconds"] == 0
    emulator.admin.advance(3600)
    assert emulator.admin.clock()["offset_seconds"] == 3600
    emulator.admin.reset()
    assert emulator.admin.clock()["offset_seconds"] == 0


def test_settings_patch_and_reset_back_to_the_command_line(emulator_factory):
    handle = emulator_factory(settings=EmulatorSettings(dsl_version="0.5.0", edition="CLOUD"))
    admin = handle.admin
    assert admin.settings()["dsl_version"] == "0.5.0"
    changed = admin.settings(dsl_version="0.7.0", server_version="1.16.0", member_limit=3)
    assert (changed["dsl_version"], changed["edition"], changed["member_limit"]) == (
        "0.7.0",
        "CLOUD",
        3,
    )
    version = handle.client().get("/_version").json()
    assert version == {"version": "1.16.0", "edition": "CLOUD"}
    admin.reset()
    assert admin.settings()["dsl_version"] == "0.5.0"  # the command-line value again
    bad = httpx.patch(
        handle.base_url + "/_emulator/settings",
        json={"dsl_version": "not a version"},
        headers={"Authorization": "Bearer emulator-admin-token-for-tests"},
    )
    assert bad.status_code == 422


def test_health_and_version_need_no_auth(emulator):
    api = emulator.client()
    assert api.get("/_health").json() == {"ok": True}
    assert api.get("/_version").json() == {"version": "1.15.0", "edition": "SELF_HOSTED"}


def test_unknown_routes_and_methods_are_canonical_errors(emulator):
    api = emulator.client(emulator.admin.token(ADA))
    for path in ("/nope", f"/apps/{TRIAGE}/launch", "/apps/x/tasks/y/halt", "/"):
        body = assert_error(api.post(path), 404, code="not_found")
        assert "did you mean" not in body["message"].lower()
    assert_error(
        api.post("/workspaces"),
        405,
        "The method is not allowed for the requested URL.",
        "method_not_allowed",
    )
    outside = emulator.client().get(f"{emulator.base_url}/not-the-api")
    assert outside.status_code == 404 and "code" not in outside.json()


def test_reset_to_an_empty_state(emulator):
    emulator.admin.reset(None)
    assert emulator.admin.accounts() == []
    emulator.admin.create_account("solo@example.org", name="Solo", password="pw")
    workspace = emulator.admin.create_workspace("Solo Space", "solo@example.org")
    api = emulator.client(emulator.admin.token("solo@example.org"))
    body = api.get("/workspaces").json()["workspaces"]
    assert body == [
        {
            "id": workspace["id"],
            "name": "Solo Space",
            "role": "owner",
            "status": "normal",
            "current": False,
        }
    ]


def test_admin_membership_and_accounts(emulator):
    emulator.admin.create_account("temp@acme.example")
    emulator.admin.add_member(DEV, "temp@acme.example", "editor")
    api = emulator.client(emulator.admin.token(ADA))
    members = api.get(f"/workspaces/{DEV}/members").json()["data"]
    assert {"email": "temp@acme.example", "role": "editor"}.items() <= next(
        m for m in members if m["email"] == "temp@acme.example"
    ).items()
    duplicate = httpx.post(
        emulator.base_url + "/_emulator/accounts",
        json={"email": "TEMP@acme.example"},
        headers={"Authorization": "Bearer emulator-admin-token-for-tests"},
    )
    assert duplicate.status_code == 409


def test_edit_app_with_and_without_touch(emulator):
    api = emulator.client(emulator.admin.token(ADA))

    def listed():
        rows = api.get("/apps", params={"workspace_id": DEV, "name": TRIAGE}).json()["data"]
        return rows[0]

    before = listed()
    dsl = yaml.safe_load(api.get(f"/apps/{TRIAGE}/export").json()["data"])
    dsl["workflow"]["graph"]["nodes"][1]["data"]["title"] = "Classify ticket (v2)"
    emulator.admin.edit_app(TRIAGE, yaml=yaml.dump(dsl, allow_unicode=True), touch=False)
    assert listed()["updated_at"] == before["updated_at"]  # content moved, updated_at did not
    exported = yaml.safe_load(api.get(f"/apps/{TRIAGE}/export").json()["data"])
    assert exported["workflow"]["graph"]["nodes"][1]["data"]["title"] == "Classify ticket (v2)"
    emulator.admin.edit_app(TRIAGE, description="Now with v2")
    assert listed()["updated_at"] != before["updated_at"]
    assert listed()["description"] == "Now with v2"
    emulator.admin.edit_app(TRIAGE, enable_api=False)
    assert_error(api.get(f"/apps/{TRIAGE}/describe"), 403, "service_api_disabled")
    emulator.admin.delete_app(ONBOARDING)
    assert_error(api.get(f"/apps/{ONBOARDING}/describe"), 404, "app not found")


def test_edit_app_refuses_another_mode(emulator):
    wrong = httpx.patch(
        f"{emulator.base_url}/_emulator/apps/{TRIAGE}",
        json={"yaml": "app: {mode: chat}\nmodel_config: {}\n"},
        headers={"Authorization": "Bearer emulator-admin-token-for-tests"},
    )
    assert wrong.status_code == 400


def test_bulk_members_roles_and_counts(emulator):
    result = emulator.admin.bulk(DEV, members=100)
    assert result["members"]["count"] == 100
    api = emulator.client(emulator.admin.token(ADA))
    members = api.get(f"/workspaces/{DEV}/members", params={"limit": 200}).json()
    assert members["total"] == 107
    statuses = [m["status"] for m in members["data"]]
    assert statuses.count("pending") == 1 + 5  # newhire plus one bulk invitee in twenty
