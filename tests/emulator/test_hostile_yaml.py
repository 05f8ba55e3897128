"""The emulator keeps answering when a DSL is an alias bomb or absurdly deep.

Dify's `yaml.safe_load` has no alias limit (it would expand billions of values); the
emulator refuses such a text as a robustness guard (`emulator.backend.yaml_guard`), and
answers it the way Dify answers YAML that does not parse.
"""

from __future__ import annotations

import pytest

from tests.emulator._helpers import ADA, DEV

LEVELS = 10


def alias_bomb() -> str:
    """Under 1 KB of YAML whose aliases expand to over three billion strings, inside a part
    of the DSL the importer stores (the workflow's features)."""
    lines = [
        "version: '0.6.0'",
        "kind: app",
        "app: {name: bomb, mode: workflow}",
        "workflow:",
        "  graph: {nodes: [], edges: []}",
        "  features:",
        '    l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    ]
    for level in range(1, LEVELS):
        lines.append(f"    l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def too_deep() -> str:
    return (
        "version: '0.6.0'\napp: {name: deep, mode: workflow}\n"
        "workflow:\n  graph: {nodes: [], edges: []}\n  features: "
        + "[" * 10_000
        + "]" * 10_000
        + "\n"
    )


@pytest.fixture
def ada(emulator):
    return emulator.client(emulator.admin.token(ADA))


def _import(api, text):
    return api.post(
        f"/workspaces/{DEV}/apps/imports", json={"mode": "yaml-content", "yaml_content": text}
    )


@pytest.mark.parametrize(("text", "says"), [(alias_bomb(), "alias bomb"), (too_deep(), "nest")])
def test_a_hostile_dsl_fails_the_import_like_invalid_yaml(ada, text, says):
    apps_before = ada.get("/apps", params={"workspace_id": DEV, "limit": 100}).json()["total"]

    response = _import(ada, text)

    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "failed" and body["app_id"] is None
    assert body["error"].startswith("Invalid YAML format: ") and says in body["error"]
    # The emulator still answers, and nothing was written.
    after = ada.get("/apps", params={"workspace_id": DEV, "limit": 100})
    assert after.status_code == 200 and after.json()["total"] == apps_before


def test_anchors_and_aliases_of_ordinary_size_still_import(ada):
    text = (
        "version: '0.6.0'\napp: {name: anchored, mode: workflow}\n"
        "workflow:\n  graph: {nodes: [], edges: []}\n"
        "  features: {a: &opener {enabled: true}, b: *opener}\n"
    )
    response = _import(ada, text)
    assert response.status_code == 200 and response.json()["status"] == "completed"


@pytest.mark.generations("s3")
def test_the_s3_check_refuses_an_alias_bomb_like_unparseable_yaml(emulator, ada):
    response = ada.post(
        f"/workspaces/{DEV}/apps/imports:check", json={"yaml_content": alias_bomb()}
    )
    assert response.status_code == 400
    assert "alias bomb" in response.text
