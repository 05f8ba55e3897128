"""`GET /apps/{app_id}/export` (contract §2.4, §3.2; dsl-format.md §1, §4, §6)."""

from __future__ import annotations

import base64
import copy
import hashlib

import pytest
import yaml
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.emulator._helpers import (
    ADA,
    COPYWRITER,
    DEV,
    HELPDESK,
    PROD_TRIAGE,
    RELEASE_NOTES,
    RESEARCH_AGENT,
    STANDALONE_AGENT,
    TRIAGE,
    TRIAGE_DESCRIPTION,
    UNKNOWN_UUID,
    assert_error,
)
from tests.support.emulator import DEMO


@pytest.fixture
def ada(emulator):
    return emulator.client(emulator.admin.token(ADA))


def export(api, app_id, **params):
    response = api.get(f"/apps/{app_id}/export", params=params)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"data"}
    return response.json()["data"]


def decrypt(value: str, workspace_id: str) -> str:
    key = hashlib.sha256(workspace_id.encode()).digest()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    padded = decryptor.update(base64.b64decode(value)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode()


def nodes_by_type(data, node_type):
    return [n["data"] for n in data["workflow"]["graph"]["nodes"] if n["data"]["type"] == node_type]


def test_export_is_pyyaml_dump_with_current_version(ada):
    text = export(ada, TRIAGE)
    data = yaml.safe_load(text)
    assert text == yaml.dump(data, allow_unicode=True)  # sorted keys, PyYAML defaults
    assert "🎫" in text  # allow_unicode: no \\u escapes
    assert (data["version"], data["kind"]) == ("0.6.0", "app")
    assert data["app"] == {
        "name": "Support Ticket Triage",
        "mode": "workflow",
        "icon": "🎫",
        "icon_type": "emoji",
        "icon_background": "#E0F2FE",
        "description": TRIAGE_DESCRIPTION,
        "use_icon_as_answer_icon": False,
    }
    assert set(data["workflow"]) == {
        "graph",
        "features",
        "environment_variables",
        "conversation_variables",
        "rag_pipeline_variables",
    }
    node = data["workflow"]["graph"]["nodes"][0]
    assert {"position", "positionAbsolute", "width", "height", "selected"} <= set(node)
    assert data["workflow"]["graph"]["viewport"] == {"x": 42.5, "y": 61.2, "zoom": 0.85}
    assert data["dependencies"][0]["type"] == "marketplace"


def test_export_version_follows_the_setting(emulator, ada):
    emulator.admin.settings(dsl_version="0.7.0")
    assert yaml.safe_load(export(ada, TRIAGE))["version"] == "0.7.0"


def test_secret_env_values_blanked_unless_include_secret(ada):
    variables = yaml.safe_load(export(ada, TRIAGE))["workflow"]["environment_variables"]
    by_name = {v["name"]: v for v in variables}
    assert by_name["TICKETING_API_KEY"]["value"] == ""
    assert by_name["TICKETING_API_KEY"]["value_type"] == "secret"
    assert by_name["TICKETING_BASE_URL"]["value"] == "https://tickets.acme.example/api/v2"
    assert set(by_name["TICKETING_API_KEY"]) == {
        "id",
        "name",
        "description",
        "selector",
        "value",
        "value_type",
    }
    with_secret = yaml.safe_load(export(ada, TRIAGE, include_secret="true"))
    values = {v["name"]: v["value"] for v in with_secret["workflow"]["environment_variables"]}
    assert values["TICKETING_API_KEY"] == "tk-demo-7Qm2Vx9LpA4sR8"


def test_tool_credential_id_stripped_unless_include_secret(ada):
    tool = nodes_by_type(yaml.safe_load(export(ada, RELEASE_NOTES)), "tool")[0]
    assert "credential_id" not in tool
    tool = nodes_by_type(yaml.safe_load(export(ada, RELEASE_NOTES, include_secret=True)), "tool")[0]
    assert tool["credential_id"] == "3c9e2a7d-5b14-4f08-8e6a-9d0c1b2a3f41"


def test_model_config_agent_tools_always_lose_credential_id(ada):
    for include_secret in ("false", "true"):
        data = yaml.safe_load(export(ada, RESEARCH_AGENT, include_secret=include_secret))
        tools = data["model_config"]["agent_mode"]["tools"]
        assert all("credential_id" not in tool for tool in tools)
        assert "workflow" not in data and data["app"]["mode"] == "agent-chat"


def test_dataset_ids_are_encrypted_per_workspace(emulator, ada):
    node = nodes_by_type(yaml.safe_load(export(ada, HELPDESK)), "knowledge-retrieval")[0]
    assert [decrypt(value, DEV) for value in node["dataset_ids"]] == [
        "da7a5e70-0001-4c3b-8a9d-1e2f3a4b5c01",
        "da7a5e70-0002-4c3b-8a9d-1e2f3a4b5c02",
    ]
    # deterministic: the same dataset exports to the same string
    again = nodes_by_type(yaml.safe_load(export(ada, HELPDESK)), "knowledge-retrieval")[0]
    assert again["dataset_ids"] == node["dataset_ids"]
    prod = nodes_by_type(yaml.safe_load(export(ada, DEMO.app_id(202))), "knowledge-retrieval")[0]
    assert prod["dataset_ids"] != node["dataset_ids"][:1]  # another workspace, another key


def test_completion_and_agent_apps_export(ada):
    data = yaml.safe_load(export(ada, COPYWRITER))
    assert data["model_config"]["pre_prompt"].startswith("Write a product page section")
    agent = yaml.safe_load(export(ada, STANDALONE_AGENT))
    assert agent["app"]["mode"] == "agent" and agent["version"] == "0.6.0"
    assert agent["agent"] == {"package_ref": "research_agent_pkg"}
    assert "research_agent_pkg" in agent["agent_packages"]


def test_export_of_identical_copies_is_identical(ada):
    assert export(ada, TRIAGE) == export(ada, PROD_TRIAGE)


def test_workflow_id_exports_a_published_version(emulator, ada):
    published = yaml.safe_load(export(ada, TRIAGE, workflow_id=DEMO.PUBLISHED_TRIAGE))
    start = nodes_by_type(published, "start")[0]
    assert [v["variable"] for v in start["variables"]] == ["subject", "body"]
    new_version = emulator.admin.publish(TRIAGE)
    current = yaml.safe_load(export(ada, TRIAGE, workflow_id=new_version))
    assert len(nodes_by_type(current, "start")[0]["variables"]) == 3


def test_workflow_id_errors(emulator, ada):
    for workflow_id in (UNKNOWN_UUID, DEMO.workflow_id(201)):  # unknown, another app's
        response = ada.get(f"/apps/{TRIAGE}/export", params={"workflow_id": workflow_id})
        assert response.status_code == 404
        assert response.json() == "Missing draft workflow configuration, please check."
    bad = ada.get(f"/apps/{TRIAGE}/export", params={"workflow_id": "nope"})
    assert_error(bad, 422, "Request validation failed")
    # The draft's own id raises IsDraftWorkflowError, which the S2 route does not catch.
    draft = ada.get(f"/apps/{TRIAGE}/export", params={"workflow_id": DEMO.workflow_id(101)})
    assert_error(draft, 500, "Internal Server Error", "internal_server_error")
    # workflow_id is ignored for model-config apps
    assert (
        ada.get(f"/apps/{COPYWRITER}/export", params={"workflow_id": UNKNOWN_UUID}).status_code
        == 200
    )


def test_missing_draft_is_a_bare_string_404(emulator, ada):
    store = emulator.server.emulator.store
    store.db.execute("DELETE FROM workflows WHERE app_id = ?", (RELEASE_NOTES,))
    response = ada.get(f"/apps/{RELEASE_NOTES}/export")
    assert response.status_code == 404
    assert response.json() == "Missing draft workflow configuration, please check."


def test_export_query_is_lenient_but_typed(ada):
    assert ada.get(f"/apps/{TRIAGE}/export", params={"whatever": "1"}).status_code == 200
    assert_error(ada.get(f"/apps/{TRIAGE}/export", params={"include_secret": "maybe"}), 422)


def test_export_blanks_trigger_and_file_default_fields(emulator, ada):
    dsl = yaml.safe_load(export(ada, TRIAGE))
    nodes = dsl["workflow"]["graph"]["nodes"]
    nodes[0]["data"]["variables"].append(
        {
            "variable": "attachment",
            "label": "Attachment",
            "type": "file",
            "required": False,
            "default": {"transfer_method": "local_file", "upload_file_id": "f-1"},
        }
    )
    for index, (node_type, extra) in enumerate(
        [
            ("trigger-webhook", {"webhook_url": "https://x/1", "webhook_debug_url": "https://x/2"}),
            ("trigger-plugin", {"subscription_id": "sub-1"}),
            ("trigger-schedule", {"config": {"mode": "cron", "cron_expression": "0 * * * *"}}),
        ]
    ):
        nodes.append(
            {
                "id": f"t{index}",
                "type": "custom",
                "data": {"type": node_type, "title": node_type, **extra},
            }
        )
    emulator.admin.edit_app(TRIAGE, yaml=yaml.dump(dsl, allow_unicode=True))
    exported = yaml.safe_load(export(ada, TRIAGE))
    start = nodes_by_type(exported, "start")[0]
    assert "default" not in start["variables"][-1]
    assert nodes_by_type(exported, "trigger-webhook")[0]["webhook_url"] == ""
    assert nodes_by_type(exported, "trigger-webhook")[0]["webhook_debug_url"] == ""
    assert nodes_by_type(exported, "trigger-plugin")[0]["subscription_id"] == ""
    assert nodes_by_type(exported, "trigger-schedule")[0]["config"]["frequency"] == "daily"


def test_the_export_text_cache_never_serves_text_of_other_data() -> None:
    # dump_dsl caches texts by the data's pickle: equal data gets the text yaml.dump
    # writes, and an edit anywhere (even one nested value) gets its own text.
    from emulator.backend.dsl_export import dump_dsl

    data = {"version": "0.3.0", "kind": "app", "app": {"name": "Cached", "mode": "workflow"}}
    first = dump_dsl(data)
    assert first == yaml.dump(data, allow_unicode=True)
    assert dump_dsl(copy.deepcopy(data)) == first
    edited = copy.deepcopy(data)
    edited["app"]["name"] = "Cached, edited"
    assert dump_dsl(edited) == yaml.dump(edited, allow_unicode=True) != first
    typed = copy.deepcopy(data)
    typed["app"]["name"] = 1  # the same text as "1" would be quoted differently
    assert dump_dsl(typed) == yaml.dump(typed, allow_unicode=True)


def test_an_app_edited_between_two_exports_exports_its_new_text(emulator, ada) -> None:
    before = export(ada, TRIAGE)
    emulator.admin.edit_app(TRIAGE, name="Triage, renamed")
    after = export(ada, TRIAGE)
    assert "Triage, renamed" in after
    assert after != before


def test_the_export_text_cache_holds_at_most_its_bound(monkeypatch) -> None:
    from emulator.backend import dsl_export

    monkeypatch.setattr(dsl_export, "_DUMP_CACHE_CHARS", 2_000)
    texts = [
        dsl_export.dump_dsl({"app": {"name": f"app {i}", "pad": "x" * 300}}) for i in range(20)
    ]
    assert dsl_export._dump_cache_chars <= 2_000
    assert dsl_export._dump_cache_chars == sum(map(len, dsl_export._dump_cache.values()))
    assert texts[0] == yaml.dump({"app": {"name": "app 0", "pad": "x" * 300}}, allow_unicode=True)
