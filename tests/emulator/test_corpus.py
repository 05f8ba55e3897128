"""Every app DSL of `../shared/dsl-corpus` imports as Dify would and exports back equal.

Expected statuses come from the version rules alone (current DSL version 0.6.0): newer →
pending (then confirmed), lower minor → completed-with-warnings, same → completed.
Two kinds of files are not app DSLs:

* the upstream negative fixture (no `app` block) → failed "Missing app data in YAML content";
* files holding the JSON body of an export response (`{"data": "<yaml>"}`): Dify's
  importer YAML-parses the JSON text into a mapping without `app`, so it answers failed
  "Missing app data in YAML content" as well. The YAML inside them is an ordinary export
  and is imported (and round-tripped) separately.

The round-trip comparison ignores what export legitimately changes: `version`/`kind`,
app-block defaults the importer fills in, secret values (blanked), `dataset_ids`
(encrypted per workspace and dropped when foreign), tool/agent `credential_id`s,
trigger URLs/subscriptions/schedule config, variable defaults (`description`,
`selector`), and the dependency shape. Canvas fields (positions, sizes, viewport,
selection) must come back unchanged.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.version import Version

from tests.emulator._helpers import ADA, DEV

pytestmark = pytest.mark.corpus

CURRENT = Version("0.6.0")
MISSING_APP = "Missing app data in YAML content"


def expected_status(data: Any) -> str:
    if not isinstance(data, dict) or not data.get("app"):
        return "failed"
    version = Version(str(data.get("version") or "0.1.0"))
    if version > CURRENT or version.major < CURRENT.major:
        return "pending"
    if version.minor < CURRENT.minor:
        return "completed-with-warnings"
    return "completed"


def _strip_node(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    node_type = data.get("type")
    data.pop("dataset_ids", None)
    data.pop("credential_id", None)
    if node_type == "agent":
        params = json.loads(json.dumps(data.get("agent_parameters") or {}))
        tools = params.get("tools") if isinstance(params, dict) else None
        for tool in (tools or {}).get("value") or [] if isinstance(tools, dict) else []:
            if isinstance(tool, dict):
                tool.pop("credential_id", None)
        data["agent_parameters"] = params
    if node_type == "trigger-schedule":
        data.pop("config", None)
    if node_type == "trigger-webhook":
        data.pop("webhook_url", None)
        data.pop("webhook_debug_url", None)
    if node_type == "trigger-plugin":
        data.pop("subscription_id", None)
    for variable in data.get("variables") or [] if isinstance(data.get("variables"), list) else []:
        if isinstance(variable, dict) and variable.get("type") in ("file", "file-list"):
            variable.pop("default", None)
    return data


def _variables(variables: Any, *, secret_blanked: bool) -> list[tuple[Any, ...]]:
    rows = []
    for v in variables or []:
        value = "" if secret_blanked and v.get("value_type") == "secret" else v.get("value")
        rows.append((v.get("id"), v["name"], v.get("description") or "", v["value_type"], value))
    return rows


def _dependencies(dependencies: Any) -> list[tuple[str, str]]:
    keys = (
        "marketplace_plugin_unique_identifier",
        "plugin_unique_identifier",
        "github_plugin_unique_identifier",
    )
    result = []
    for d in dependencies or []:
        value = d["value"]
        result.append((d["type"], next(str(value[k]) for k in keys if k in value)))
    return result


def semantic(dsl: dict[str, Any], *, exported: bool) -> dict[str, Any]:
    """The parts of a DSL an import + export must preserve."""
    app = dsl["app"]
    mode = app["mode"]
    view: dict[str, Any] = {
        # the importer's defaults: str(icon or ""), background "#FFFFFF"
        "app": {
            "name": app.get("name", ""),
            "mode": mode,
            "icon": app["icon"] if exported else str(app.get("icon", "")),
            "icon_background": app.get("icon_background", "#FFFFFF"),
        },
        "dependencies": _dependencies(dsl.get("dependencies")),
    }
    if "description" in app or exported:
        view["app"]["description"] = app.get("description", "")
    if mode in ("workflow", "advanced-chat"):
        workflow = dsl["workflow"]
        graph = workflow.get("graph") or {}
        nodes = []
        for original in graph.get("nodes") or []:
            node = dict(original)
            node["data"] = _strip_node(node.get("data") or {})
            nodes.append(node)
        view["workflow"] = {
            "nodes": nodes,
            "edges": graph.get("edges"),
            "viewport": graph.get("viewport"),
            "features": workflow.get("features") or {},
            "env": _variables(workflow.get("environment_variables"), secret_blanked=True),
            "conversation": _variables(
                workflow.get("conversation_variables"), secret_blanked=False
            ),
        }
    elif mode == "agent":
        view["agent"] = (dsl.get("agent"), dsl.get("agent_packages"))
    else:
        model_config = json.loads(json.dumps(dsl["model_config"]))
        for tool in (model_config.get("agent_mode") or {}).get("tools") or []:
            tool.pop("credential_id", None)
        view["model_config"] = model_config
    return view


def _corpus_files(corpus_dir: Path) -> list[tuple[str, str]]:
    with (corpus_dir / "SOURCES.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(row["file"], row["notes"]) for row in rows]


def _import(api: Any, text: str) -> Any:
    return api.post(
        f"/workspaces/{DEV}/apps/imports", json={"mode": "yaml-content", "yaml_content": text}
    )


def _import_and_round_trip(api: Any, name: str, text: str) -> None:
    data = yaml.safe_load(text)
    status = expected_status(data)
    response = _import(api, text)
    body = response.json()
    assert body["status"] == status, f"{name}: {body}"
    if status == "failed":
        assert (response.status_code, body["error"]) == (400, MISSING_APP), name
        return
    if status == "pending":
        assert response.status_code == 202
        body = api.post(f"/workspaces/{DEV}/apps/imports/{body['id']}/confirm").json()
        assert body["status"] == "completed", f"{name}: {body}"
    exported_text = api.get(f"/apps/{body['app_id']}/export").json()["data"]
    exported = yaml.safe_load(exported_text)
    assert exported["version"] == "0.6.0" and exported["kind"] == "app"
    assert exported_text == yaml.dump(exported, allow_unicode=True)
    assert semantic(exported, exported=True) == semantic(data, exported=False), name


def test_every_corpus_dsl_imports_and_round_trips(emulator, corpus_dir):
    api = emulator.client(emulator.admin.token(ADA))
    files = _corpus_files(corpus_dir)
    assert len(files) > 50
    seen_statuses = set()
    for name, notes in files:
        text = (corpus_dir / name).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        seen_statuses.add(expected_status(data))
        if "raw JSON body" in notes:
            # The file itself: a mapping without `app` for Dify's YAML parser.
            assert isinstance(data, dict) and set(data) == {"data"}
            failed = _import(api, text)
            assert (failed.status_code, failed.json()["error"]) == (400, MISSING_APP), name
            # (JSON-decoded: YAML's own reading of the escapes splits emoji surrogate pairs)
            _import_and_round_trip(api, f"{name} (inner YAML)", json.loads(text)["data"])
            continue
        _import_and_round_trip(api, name, text)
    assert seen_statuses == {"completed", "completed-with-warnings", "pending", "failed"}
