"""Per-token rate limiting (§1.6) and every named fault scenario."""

from __future__ import annotations

import time

import httpx
import pytest
import yaml

from tests.emulator._helpers import ADA, DEV, HELPDESK, ONBOARDING, TRIAGE, assert_error


def test_bearer_rate_limit_with_retry_after(emulator):
    emulator.admin.settings(rate_limit_per_minute=5)
    api = emulator.client(emulator.admin.token(ADA))
    for _ in range(5):
        assert api.get("/workspaces").status_code == 200
    emulator.admin.advance(20)
    limited = api.get("/workspaces")
    assert limited.status_code == 429
    body = limited.json()
    assert set(body) == {"error", "retry_after_ms"} and body["error"] == "rate_limited"
    assert 39_000 < body["retry_after_ms"] <= 40_000  # real time also passes between calls
    assert limited.headers["Retry-After"] == "40"
    emulator.admin.advance(40)
    assert api.get("/workspaces").status_code == 200


def test_rate_limit_counts_before_the_token_lookup(emulator):
    emulator.admin.settings(rate_limit_per_minute=2)
    bogus = emulator.client("dfoa_" + "b" * 43)
    assert_error(bogus.get("/account"), 401, "invalid_bearer")
    assert_error(bogus.get("/account"), 401, "invalid_bearer")
    assert bogus.get("/account").status_code == 429  # counted although the token is unknown
    unknown_prefix = emulator.client("zzz_" + "b" * 43)
    for _ in range(3):
        assert_error(unknown_prefix.get("/account"), 401)  # unknown prefix: never counted


def test_rate_limit_is_per_token_and_off_by_default(emulator):
    api = emulator.client(emulator.admin.token(ADA))
    for _ in range(80):
        assert api.get("/_health").status_code == 200
    for _ in range(70):
        assert api.get("/workspaces").status_code == 200
    emulator.admin.settings(rate_limit_per_minute=1)
    first, second = (
        emulator.client(emulator.admin.token(ADA, device_label=label)) for label in "ab"
    )
    assert first.get("/workspaces").status_code == 200
    assert second.get("/workspaces").status_code == 200
    assert first.get("/workspaces").status_code == 429


@pytest.mark.parametrize(
    ("status", "code"), [(500, "internal_server_error"), (502, "bad_gateway"), (503, "unknown")]
)
def test_server_error_fault(emulator, status, code):
    emulator.admin.fault("server_error", status=status, route="GET /apps/{app_id}/export", times=2)
    api = emulator.client(emulator.admin.token(ADA))
    for _ in range(2):
        assert_error(api.get(f"/apps/{TRIAGE}/export"), status, "Internal Server Error", code)
    assert api.get(f"/apps/{TRIAGE}/export").status_code == 200
    assert api.get(f"/apps/{TRIAGE}/describe").status_code == 200  # other routes untouched


def test_rate_limit_fault(emulator):
    emulator.admin.fault("rate_limit", retry_after=7, path_contains=HELPDESK)
    api = emulator.client(emulator.admin.token(ADA))
    limited = api.get(f"/apps/{HELPDESK}/export")
    assert limited.status_code == 429
    assert limited.json() == {"error": "rate_limited", "retry_after_ms": 7000}
    assert limited.headers["Retry-After"] == "7"
    assert api.get(f"/apps/{TRIAGE}/export").status_code == 200
    assert emulator.admin.faults()["faults"][0]["fired"] == 1


def test_latency_fault(emulator):
    emulator.admin.fault("latency", latency_ms=300, route="GET /workspaces", times=1)
    api = emulator.client(emulator.admin.token(ADA))
    started = time.monotonic()
    assert api.get("/workspaces").status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    api.get("/workspaces")
    assert time.monotonic() - started < 0.3


def test_drop_connection_fault(emulator):
    emulator.admin.fault("drop_connection", route="GET /apps", times=1)
    api = emulator.client(emulator.admin.token(ADA))
    with pytest.raises(
        httpx.RemoteProtocolError, match="Server disconnected without sending a response"
    ):
        api.get("/apps", params={"workspace_id": DEV})
    assert api.get("/apps", params={"workspace_id": DEV}).status_code == 200


def test_faults_with_a_rate_are_deterministic(emulator):
    def pattern():
        emulator.admin.clear_faults()
        emulator.admin.fault("server_error", rate=0.5, route="GET /_health", seed=42)
        api = emulator.client()
        return [api.get("/_health").status_code for _ in range(20)]

    first, second = pattern(), pattern()
    assert first == second
    assert set(first) == {200, 500}


def test_faults_never_touch_the_admin_api_or_the_device_page(emulator):
    emulator.admin.fault("server_error")
    assert emulator.admin.stats() is not None
    assert emulator.client().get(f"{emulator.base_url}/device").status_code == 200
    assert emulator.client().get("/_health").status_code == 500


def test_expire_pending_imports_fault(emulator):
    api = emulator.client(emulator.admin.token(ADA))
    source = yaml.safe_load(api.get(f"/apps/{TRIAGE}/export").json()["data"])
    source["version"] = "0.7.0"
    text = yaml.dump(source, allow_unicode=True)
    url = f"/workspaces/{DEV}/apps/imports"
    pending = api.post(url, json={"mode": "yaml-content", "yaml_content": text}).json()
    emulator.admin.fault("expire_pending_imports", times=1)
    response = api.post(f"{url}/{pending['id']}/confirm")
    assert response.status_code == 400
    assert response.json()["error"] == "Import information expired or does not exist"


def test_tamper_import_fault_changes_what_is_stored(emulator):
    api = emulator.client(emulator.admin.token(ADA))
    url = f"/workspaces/{DEV}/apps/imports"
    for app_id in (HELPDESK, ONBOARDING):
        sent = yaml.safe_load(api.get(f"/apps/{app_id}/export").json()["data"])
        emulator.admin.fault("tamper_import", times=1)
        text = yaml.dump(sent, allow_unicode=True)
        body = api.post(url, json={"mode": "yaml-content", "yaml_content": text}).json()
        assert body["status"] == "completed"  # the server claims success …
        stored = yaml.safe_load(api.get(f"/apps/{body['app_id']}/export").json()["data"])
        assert stored != sent  # … but a verification by export sees the difference
        clean = api.post(url, json={"mode": "yaml-content", "yaml_content": text}).json()
        again = yaml.safe_load(api.get(f"/apps/{clean['app_id']}/export").json()["data"])
        assert again["workflow" if "workflow" in sent else "model_config"] == sent.get(
            "workflow", sent.get("model_config")
        )


def test_fault_admin_listing_and_removal(emulator):
    created = emulator.admin.fault("latency", latency_ms=1, times=3)
    listing = emulator.admin.faults()
    assert "drop_connection" in listing["scenarios"]
    assert listing["faults"][0]["id"] == created["id"] and listing["faults"][0]["remaining"] == 3
    emulator.admin.clear_faults()
    assert emulator.admin.faults()["faults"] == []
