"""Import refuses a human-input node with a repeated action id, as Dify's draft sync does."""

from __future__ import annotations

import yaml

from tests.emulator._helpers import ADA, DEV, TRIAGE


def with_human_input(api, action_ids):
    data = yaml.safe_load(api.get(f"/apps/{TRIAGE}/export").json()["data"])
    actions = [{"id": action_id, "title": action_id.title()} for action_id in action_ids]
    data["workflow"]["graph"]["nodes"].append(
        {
            "id": "review",
            "type": "custom",
            "data": {"type": "human-input", "title": "Review", "user_actions": actions},
        }
    )
    text = yaml.dump(data, allow_unicode=True)
    return api.post(
        f"/workspaces/{DEV}/apps/imports", json={"mode": "yaml-content", "yaml_content": text}
    )


def test_duplicate_action_ids_fail_the_import(emulator):
    api = emulator.client(emulator.admin.token(ADA))
    response = with_human_input(api, ["approve", "reject", "approve"])
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "failed" and body["app_id"] is None
    assert body["error"].startswith("Invalid HumanInput node data: ")
    assert "duplicated user action id 'approve'" in body["error"]


def test_distinct_action_ids_import(emulator):
    api = emulator.client(emulator.admin.token(ADA))
    response = with_human_input(api, ["approve", "reject"])
    assert response.json()["status"] == "completed", response.text
