"""The import state machine (contract §2.4, §3.1): import, confirm, check-dependencies."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.emulator._helpers import (
    ADA,
    ALAN,
    COPYWRITER,
    DEV,
    HELPDESK,
    KATHERINE,
    LAB,
    PROD,
    PROD_HELPDESK,
    TRIAGE,
    UNKNOWN_UUID,
    assert_error,
)

IMPORT_KEYS = {
    "id",
    "status",
    "app_id",
    "app_mode",
    "current_dsl_version",
    "imported_dsl_version",
    "error",
}


@pytest.fixture
def ada(emulator):
    return emulator.client(emulator.admin.token(ADA))


def exported(api, app_id):
    return yaml.safe_load(api.get(f"/apps/{app_id}/export").json()["data"])


def import_yaml(api, workspace_id, data, **fields):
    text = data if isinstance(data, str) else yaml.dump(data, allow_unicode=True)
    return api.post(
        f"/workspaces/{workspace_id}/apps/imports",
        json={"mode": "yaml-content", "yaml_content": text, **fields},
    )


def confirm(api, workspace_id, import_id):
    return api.post(f"/workspaces/{workspace_id}/apps/imports/{import_id}/confirm")


def failed_with(response, error):
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == IMPORT_KEYS and body["status"] == "failed"
    assert body["error"] == error
    return body


def test_completed_import_creates_an_api_enabled_app(ada):
    source = exported(ada, TRIAGE)
    response = import_yaml(ada, PROD, source, name="Triage (copy)")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": body["id"],
        "status": "completed",
        "app_id": body["app_id"],
        "app_mode": "workflow",
        "current_dsl_version": "0.6.0",
        "imported_dsl_version": "0.6.0",
        "error": "",
    }
    listed = ada.get("/apps", params={"workspace_id": PROD, "name": body["app_id"]}).json()
    assert listed["data"][0]["name"] == "Triage (copy)"  # Service API on for new apps
    again = exported(ada, body["app_id"])
    assert again["workflow"] == source["workflow"]
    assert again["app"] == {**source["app"], "name": "Triage (copy)"}


@pytest.mark.parametrize(
    ("version", "current", "status", "http_status"),
    [
        ("0.6.0", "0.6.0", "completed", 200),
        ("0.6.0", "0.6.5", "completed", 200),  # a lower patch never matters
        ("0.5.0", "0.6.0", "completed-with-warnings", 200),
        ("0.1.0", "0.6.0", "completed-with-warnings", 200),
        ("0.6.1", "0.6.0", "pending", 202),  # newer (even by a patch) needs confirmation
        ("0.7.0", "0.6.0", "pending", 202),
        ("0.6.0", "1.0.0", "pending", 202),  # lower major
        ("1.0.0", "1.2.0", "completed-with-warnings", 200),
    ],
)
def test_version_rules(emulator, ada, version, current, status, http_status):
    emulator.admin.settings(dsl_version=current)
    source = exported(ada, TRIAGE)
    source["version"] = version
    response = import_yaml(ada, DEV, source)
    assert response.status_code == http_status
    body = response.json()
    assert (body["status"], body["imported_dsl_version"]) == (status, version)
    assert body["current_dsl_version"] == current
    if status == "pending":
        assert body["app_id"] is None and body["app_mode"] is None


def test_missing_version_is_0_1_0_and_kind_is_forced(ada):
    source = exported(ada, TRIAGE)
    del source["version"]
    source["kind"] = "rag_pipeline"
    body = import_yaml(ada, DEV, source).json()
    assert (body["status"], body["imported_dsl_version"]) == ("completed-with-warnings", "0.1.0")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("app: [unclosed", None),
        ("- just\n- a list\n", "Invalid YAML format: content must be a mapping"),
        (
            "version: 0.6\napp: {mode: workflow}\n",
            "Invalid version type, expected str, got <class 'float'>",
        ),
        ("version: '0.6.0'\nkind: app\n", "Missing app data in YAML content"),
        ('{"data": "app:\\n  mode: workflow\\n"}', "Missing app data in YAML content"),
        ("version: '0.6.0'\napp: {name: x}\n", "loss app mode"),
        ("version: '0.6.0'\napp: {mode: chatbot}\n", "'chatbot' is not a valid AppMode"),
        ("version: '0.6.0'\napp: {mode: rag-pipeline}\n", "Invalid app mode"),
        (
            "version: '0.6.0'\napp: {mode: workflow}\n",
            "Missing workflow data for workflow/advanced chat app",
        ),
        (
            "version: '0.6.0'\napp: {mode: chat}\n",
            "Missing model_config for chat/agent-chat/completion app",
        ),
        (
            "version: nonsense\napp: {mode: workflow}\nworkflow: {graph: {}}\n",
            "Invalid version: 'nonsense'",
        ),
    ],
)
def test_failures_answer_400_with_the_import_object(ada, text, error):
    response = import_yaml(ada, DEV, text)
    body = failed_with(response, error) if error else response.json()
    if error is None:
        assert response.status_code == 400 and body["error"].startswith("Invalid YAML format: ")
    assert body["app_id"] is None


def test_unparseable_version_with_dependencies_is_built_then_rolled_back(ada):
    source = exported(ada, TRIAGE)
    source["version"] = "not-a-version"
    response = import_yaml(ada, DEV, source)
    body = failed_with(response, "")
    assert body["app_id"] and body["app_mode"] == "workflow"
    assert body["imported_dsl_version"] == "not-a-version"
    listed = ada.get("/apps", params={"workspace_id": DEV, "name": body["app_id"]}).json()
    assert listed["total"] == 0  # nothing was written


def test_import_body_is_strict(ada):
    url = f"/workspaces/{DEV}/apps/imports"
    for body in (
        {},
        {"mode": "yaml-content"},
        {"mode": "yaml-url"},
        {"mode": "zip", "yaml_content": "x"},
        {"mode": "yaml-content", "yaml_content": "x", "unknown": 1},
    ):
        assert_error(ada.post(url, json=body), 422, "Request validation failed")
    assert_error(ada.post(url, content=b"{not json"), 422, "Request validation failed")


def test_overwrite_keeps_the_id_and_replaces_the_draft(ada):
    source = exported(ada, HELPDESK)
    response = import_yaml(ada, PROD, source, app_id=PROD_HELPDESK)
    body = response.json()
    assert (response.status_code, body["app_id"]) == (200, PROD_HELPDESK)
    after = exported(ada, PROD_HELPDESK)
    assert after["app"]["description"] == source["app"]["description"]
    titles = [n["data"]["title"] for n in after["workflow"]["graph"]["nodes"]]
    assert "Remember topic" in titles  # the v2 assigner arrived
    # Dev's encrypted dataset ids do not decrypt in Prod: silently dropped.
    retrieval = [
        n for n in after["workflow"]["graph"]["nodes"] if n["data"]["type"] == "knowledge-retrieval"
    ]
    assert retrieval[0]["data"]["dataset_ids"] == []


def test_overwrite_rules(ada):
    source = exported(ada, TRIAGE)
    failed_with(import_yaml(ada, DEV, source, app_id=UNKNOWN_UUID), "App not found")
    failed_with(import_yaml(ada, PROD, source, app_id=TRIAGE), "App not found")  # other workspace
    failed_with(
        import_yaml(ada, DEV, source, app_id=COPYWRITER),
        "Only workflow or advanced chat apps can be overwritten",
    )


def test_overrides_win_over_the_yaml(ada):
    body = import_yaml(
        ada,
        DEV,
        exported(ada, TRIAGE),
        name="Renamed",
        description="Other",
        icon="🚀",
        icon_type="emoji",
        icon_background="#000000",
    ).json()
    app = exported(ada, body["app_id"])["app"]
    assert (app["name"], app["description"], app["icon"], app["icon_background"]) == (
        "Renamed",
        "Other",
        "🚀",
        "#000000",
    )


def test_pending_then_confirm(emulator, ada):
    source = exported(ada, TRIAGE)
    source["version"] = "0.7.0"
    pending = import_yaml(ada, DEV, source, name="From the future")
    assert pending.status_code == 202
    import_id = pending.json()["id"]
    total_before = ada.get("/apps", params={"workspace_id": DEV}).json()["total"]
    assert ada.get("/apps", params={"workspace_id": DEV}).json()["total"] == total_before
    done = confirm(ada, DEV, import_id)
    assert done.status_code == 200
    body = done.json()
    assert (body["id"], body["status"], body["app_mode"]) == (import_id, "completed", "workflow")
    assert (body["imported_dsl_version"], body["current_dsl_version"]) == ("0.7.0", "0.6.0")
    assert exported(ada, body["app_id"])["app"]["name"] == "From the future"
    again = confirm(ada, DEV, import_id)
    failed_with(again, "Import information expired or does not exist")
    assert again.json()["id"] == import_id


def test_pending_imports_expire_after_600_seconds_on_the_clock(emulator, ada):
    source = exported(ada, TRIAGE)
    source["version"] = "0.9.0"
    first = import_yaml(ada, DEV, source).json()["id"]
    second = import_yaml(ada, DEV, source).json()["id"]
    emulator.admin.advance(599)
    assert confirm(ada, DEV, first).status_code == 200
    emulator.admin.advance(2)
    failed_with(confirm(ada, DEV, second), "Import information expired or does not exist")
    failed_with(confirm(ada, DEV, UNKNOWN_UUID), "Import information expired or does not exist")


def test_confirm_after_the_overwrite_target_vanished_creates_a_new_app(emulator, ada):
    source = exported(ada, PROD_HELPDESK)
    source["version"] = "0.8.0"
    pending = import_yaml(ada, PROD, source, app_id=PROD_HELPDESK).json()
    assert pending["app_id"] == PROD_HELPDESK
    emulator.admin.delete_app(PROD_HELPDESK)
    body = confirm(ada, PROD, pending["id"]).json()
    assert body["status"] == "completed" and body["app_id"] != PROD_HELPDESK


def test_check_dependencies_reports_missing_plugins_for_ten_minutes(emulator, ada):
    body = import_yaml(ada, PROD, exported(ada, HELPDESK)).json()
    leaked = ada.get(f"/apps/{body['app_id']}/check-dependencies").json()
    assert leaked == {
        "leaked_dependencies": [
            {
                "type": "marketplace",
                "value": {
                    "marketplace_plugin_unique_identifier": "langgenius/cohere:0.0.9@"
                    "d285d5525f340622986c527dc03d35fcd14d0382ee52aed023b041b14ff5b6df",
                    "version": None,
                },
                "current_identifier": None,
            }
        ]
    }
    emulator.admin.plugins(PROD, ["langgenius/openai", "langgenius/cohere"])
    assert ada.get(f"/apps/{body['app_id']}/check-dependencies").json()["leaked_dependencies"] == []
    emulator.admin.plugins(PROD, ["langgenius/openai"])
    emulator.admin.advance(601)
    assert ada.get(f"/apps/{body['app_id']}/check-dependencies").json() == {
        "leaked_dependencies": []
    }


def test_check_dependencies_is_empty_without_a_recent_import_or_after_confirm(ada):
    assert ada.get(f"/apps/{HELPDESK}/check-dependencies").json() == {"leaked_dependencies": []}
    source = exported(ada, HELPDESK)
    source["version"] = "0.7.0"
    pending = import_yaml(ada, PROD, source).json()
    app_id = confirm(ada, PROD, pending["id"]).json()["app_id"]
    # confirm does not record dependencies (§3.1)
    assert ada.get(f"/apps/{app_id}/check-dependencies").json() == {"leaked_dependencies": []}


def test_any_member_may_import_in_s2(emulator):
    # The S2 handlers read declare no role floor on DSL routes.
    katherine = emulator.client(emulator.admin.token(KATHERINE))  # normal in Dev
    response = import_yaml(
        katherine, DEV, exported(emulator.client(emulator.admin.token(ADA)), TRIAGE)
    )
    assert response.status_code == 200
    outsider = emulator.client(emulator.admin.token(ALAN))  # not in Partner Lab
    assert_error(import_yaml(outsider, LAB, "x: 1"), 404, "workspace not found")


def test_yaml_content_round_trip_of_json_wrapped_export_fails_like_dify(ada):
    wrapped = ada.get(f"/apps/{TRIAGE}/export").text  # the JSON response body itself
    failed_with(import_yaml(ada, DEV, wrapped), "Missing app data in YAML content")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def yaml_host(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()


def test_yaml_url_import(ada, yaml_host):
    base, folder = yaml_host
    (folder / "triage.yml").write_text(
        ada.get(f"/apps/{TRIAGE}/export").json()["data"], encoding="utf-8"
    )
    (folder / "empty.yml").write_text("", encoding="utf-8")
    url = f"/workspaces/{DEV}/apps/imports"
    ok = ada.post(url, json={"mode": "yaml-url", "yaml_url": f"{base}/triage.yml"})
    assert ok.status_code == 200 and ok.json()["app_mode"] == "workflow"
    failed_with(
        ada.post(url, json={"mode": "yaml-url", "yaml_url": f"{base}/empty.yml"}),
        "Empty content from url",
    )
    missing = ada.post(url, json={"mode": "yaml-url", "yaml_url": f"{base}/nope.yml"})
    assert missing.status_code == 400
    assert missing.json()["error"].startswith("Error fetching YAML from URL: ")
