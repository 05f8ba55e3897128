"""The semantic diff: exactly the changes made, classified, with breaking changes flagged."""

from __future__ import annotations

import json
from typing import Any

from dsl import (
    Category,
    ChangeKind,
    DslDocument,
    diff_documents,
    diff_files,
    load_text,
)
from dsl.tree import copy_tree
from tests.dsl.conftest import FIXTURES_DIR
from tests.dsl.scenarios import END, HTTP, LLM, RETRIEVAL, START, SUMMARY, edges, four_edits, node


def test_identical_documents_have_no_changes(workflow_doc: DslDocument) -> None:
    diff = diff_documents(workflow_doc, workflow_doc)
    assert diff.is_empty
    assert not diff.has_behaviour_changes
    assert not diff.is_layout_only
    assert diff.summary() == "no behaviour change"
    assert diff.exit_code == 0
    assert diff.version is None


def test_four_edits_are_reported_exactly(workflow_data: dict[str, Any]) -> None:
    diff = diff_documents(workflow_data, four_edits(workflow_data))

    assert diff.summary() == (
        "1 node added, 2 nodes changed, 1 edge removed, start input renamed (breaking)"
    )
    assert [(n.kind, n.node_id, n.title) for n in diff.nodes] == [
        (ChangeKind.ADDED, SUMMARY, "Summary"),
        (ChangeKind.CHANGED, LLM, "Draft notes"),
        (ChangeKind.CHANGED, START, "Start"),
    ]
    (prompt_change,) = diff.nodes[1].fields
    assert prompt_change.field == "prompt_template[0].text"
    assert prompt_change.old.startswith("You write")
    assert prompt_change.new.startswith("You carefully write")
    (rename,) = diff.nodes[2].fields
    assert (rename.field, rename.old, rename.new) == (
        "variables[0].variable",
        "changes",
        "change_list",
    )
    assert [(e.kind, e.source, e.target) for e in diff.edges] == [(ChangeKind.REMOVED, HTTP, END)]
    assert [(b.kind, b.node_id) for b in diff.breaking] == [("start-input-renamed", START)]
    assert diff.breaking[0].message == (
        "start input 'changes' renamed to 'change_list' (node \"Start\")"
    )
    assert not (
        diff.app
        or diff.variables
        or diff.features
        or diff.model_config
        or diff.dependencies
        or diff.other
    )
    assert diff.has_behaviour_changes
    assert diff.exit_code == 1


def test_canvas_noise_is_not_a_change(workflow_data: dict[str, Any]) -> None:
    noisy = copy_tree(workflow_data)
    noisy["workflow"]["graph"]["viewport"] = {"x": 1, "y": 2, "zoom": 1.5}
    for item in noisy["workflow"]["graph"]["nodes"]:
        item["positionAbsolute"] = {"x": -1, "y": -1}
        item["selected"] = True
        item["width"] = 999
        item["zIndex"] = 5
    edges(noisy).reverse()
    noisy["workflow"]["features"]["file_upload"]["fileUploadConfig"]["file_size_limit"] = 99
    assert diff_documents(workflow_data, noisy).is_empty


def test_moved_nodes_are_layout_only(workflow_data: dict[str, Any]) -> None:
    moved = copy_tree(workflow_data)
    node(moved, LLM)["position"] = {"x": 700, "y": 300}
    node(moved, END)["position"]["y"] = 10
    diff = diff_documents(workflow_data, moved)
    assert diff.summary() == "2 nodes changed, layout only"
    assert diff.is_layout_only and not diff.has_behaviour_changes and not diff.is_empty
    assert {n.category for n in diff.nodes} == {Category.LAYOUT}
    assert diff_documents(workflow_data, moved, ignore_position=True).is_empty


def test_nodes_with_new_ids_match_by_type_and_title(workflow_data: dict[str, Any]) -> None:
    rebuilt = json.loads(json.dumps(workflow_data).replace(LLM, "llm-recreated"))
    diff = diff_documents(workflow_data, rebuilt)
    (change,) = diff.nodes
    assert (change.node_id, change.old_id, change.fields) == ("llm-recreated", LLM, ())
    assert change.category is Category.METADATA
    assert not diff.edges and not diff.breaking
    assert diff.summary() == "1 node changed, no behaviour change"


def test_export_time_values_are_information_only(workflow_data: dict[str, Any]) -> None:
    later = copy_tree(workflow_data)
    later["version"] = "0.6.0"
    value = later["dependencies"][0]["value"]
    value["marketplace_plugin_unique_identifier"] = "langgenius/openai:0.2.7@" + "ab" * 32
    diff = diff_documents(workflow_data, later)
    assert diff.version == ("0.5.0", "0.6.0")
    (dependency,) = diff.dependencies
    assert (dependency.plugin, dependency.old_version, dependency.new_version) == (
        "langgenius/openai",
        "0.2.6",
        "0.2.7",
    )
    assert dependency.category is Category.EXPORT
    assert diff.is_empty
    assert diff.summary() == "no behaviour change"


def test_plugin_hash_alone_is_no_change(workflow_data: dict[str, Any]) -> None:
    rehashed = copy_tree(workflow_data)
    value = rehashed["dependencies"][0]["value"]
    value["marketplace_plugin_unique_identifier"] = "langgenius/openai:0.2.6@" + "cd" * 32
    assert diff_documents(workflow_data, rehashed).dependencies == ()


def test_added_plugin_is_a_behaviour_change(workflow_data: dict[str, Any]) -> None:
    more = copy_tree(workflow_data)
    more["dependencies"].append(
        {
            "type": "marketplace",
            "value": {
                "marketplace_plugin_unique_identifier": "langgenius/tavily:0.0.5@" + "ee" * 32
            },
        }
    )
    diff = diff_documents(workflow_data, more)
    assert diff.summary() == "1 dependency added"
    assert diff.dependencies[0].category is Category.BEHAVIOUR


def test_workspace_bound_values_need_attention_not_a_diff(workflow_data: dict[str, Any]) -> None:
    other_workspace = copy_tree(workflow_data)
    node(other_workspace, RETRIEVAL)["data"]["dataset_ids"] = ["c29tZXRoaW5nIGVsc2U="]
    diff = diff_documents(workflow_data, other_workspace)
    assert diff.is_empty
    (ref,) = diff.attention
    assert (ref.kind, ref.node_id, ref.node_title) == ("dataset_ids", RETRIEVAL, "Style guide")
    assert "will not carry over to another workspace" in ref.description


def test_secret_variable_values_are_never_in_the_diff(workflow_data: dict[str, Any]) -> None:
    with_secret = copy_tree(workflow_data)
    with_secret["workflow"]["environment_variables"][0]["value"] = "s3cr3t-value-123456"
    diff = diff_documents(workflow_data, with_secret)
    (variable,) = diff.variables
    assert (variable.scope, variable.name, variable.secret) == (
        "environment",
        "notes_api_token",
        True,
    )
    (value_change,) = variable.fields
    assert value_change.secret and value_change.field == "value"
    assert "s3cr3t" not in json.dumps(diff.to_json())
    assert "s3cr3t" not in repr(diff)
    assert diff.summary() == "1 environment variable changed"


def test_secrets_typed_into_nodes_are_hidden(workflow_data: dict[str, Any]) -> None:
    leaky = copy_tree(workflow_data)
    token = "Bearer " + "tok" + "9f8e7d6c5b4a39281706"
    node(leaky, HTTP)["data"]["headers"] = f"Content-Type:application/json\nAuthorization:{token}"
    diff = diff_documents(workflow_data, leaky)
    (change,) = diff.nodes
    (headers,) = change.fields
    assert headers.field == "headers" and headers.secret
    assert "9f8e7d6c" not in repr(diff) and "9f8e7d6c" not in json.dumps(diff.to_json())


def test_removed_end_output_and_dangling_references_break(workflow_data: dict[str, Any]) -> None:
    broken = copy_tree(workflow_data)
    broken["workflow"]["graph"]["nodes"] = [
        n for n in broken["workflow"]["graph"]["nodes"] if n["id"] != HTTP
    ]
    broken["workflow"]["graph"]["edges"] = [e for e in edges(broken) if e["target"] != HTTP]
    outputs = node(broken, END)["data"]["outputs"]
    outputs.pop(0)  # "notes"; "status" still selects the removed HTTP node
    diff = diff_documents(workflow_data, broken)
    kinds = [b.kind for b in diff.breaking]
    assert kinds == ["end-output-removed", "dangling-edge", "dangling-selector"]
    assert diff.breaking[0].message == "end output 'notes' removed (was in node \"End\")"
    assert diff.breaking[1].message == f'edge from missing node {HTTP} (to "End")'
    assert diff.breaking[2].message == (
        f'node "End" refers to missing node {HTTP} ([{HTTP}, status_code])'
    )


def test_new_required_and_removed_start_inputs_break(workflow_data: dict[str, Any]) -> None:
    changed = copy_tree(workflow_data)
    variables = node(changed, START)["data"]["variables"]
    variables[1]["required"] = True  # audience: optional → required
    variables.append(
        {"variable": "version", "label": "Version", "type": "text-input", "required": True}
    )
    diff = diff_documents(workflow_data, changed)
    assert [b.message for b in diff.breaking] == [
        "now required: start input 'audience' (node \"Start\")",
        "new required start input 'version' (node \"Start\")",
    ]
    assert diff.summary().endswith("2 new required start inputs (breaking)")


def test_answer_variables_removed_from_a_chatflow_break() -> None:
    def chatflow(answer: str) -> dict[str, Any]:
        return {
            "app": {"mode": "advanced-chat", "name": "Bot"},
            "workflow": {
                "graph": {
                    "edges": [],
                    "nodes": [
                        {"id": "llm", "data": {"type": "llm", "title": "LLM"}},
                        {
                            "id": "answer",
                            "data": {"type": "answer", "title": "Answer", "answer": answer},
                        },
                    ],
                }
            },
        }

    diff = diff_documents(chatflow("{{#llm.text#}}\n{{#sys.query#}}"), chatflow("{{#llm.text#}}"))
    assert [b.message for b in diff.breaking] == [
        'answer no longer includes {{#sys.query#}} (was in node "Answer")'
    ]


def test_chat_app_sections(chat_doc: DslDocument) -> None:
    changed = copy_tree(chat_doc.data)
    changed["model_config"]["model"]["name"] = "claude-3-5-sonnet"
    changed["model_config"]["user_input_form"].pop(1)
    changed["app"]["description"] = "Suggests itineraries and budgets."
    diff = diff_documents(chat_doc, changed)
    assert diff.summary() == (
        "app description changed, model config changed, start input removed (breaking)"
    )
    fields = [change.change.field for change in diff.model_config]
    assert fields == ["model.name", "user_input_form[1]"]
    assert diff.app[0].category is Category.METADATA
    assert (
        diff.breaking[0].message == "start input 'days' removed (was in node \"user input form\")"
    )


def test_unknown_sections_are_still_compared() -> None:
    old = {"app": {"mode": "agent"}, "agent": {"package_ref": "a"}}
    new = {"app": {"mode": "agent"}, "agent": {"package_ref": "b"}}
    diff = diff_documents(old, new)
    (change,) = diff.other
    assert (change.section, change.change.field) == ("agent", "package_ref")
    assert diff.summary() == "agent changed"


def test_notes_are_layout(workflow_data: dict[str, Any]) -> None:
    with_note = copy_tree(workflow_data)
    with_note["workflow"]["graph"]["nodes"].append(
        {"id": "note1", "type": "custom-note", "data": {"type": "", "title": "", "text": "hi"}}
    )
    diff = diff_documents(workflow_data, with_note)
    assert diff.summary() == "1 note added, layout only"


def test_features_and_variables(workflow_data: dict[str, Any]) -> None:
    changed = copy_tree(workflow_data)
    changed["workflow"]["features"]["opening_statement"] = "Hello"
    changed["workflow"]["environment_variables"][1]["value"] = "https://notes.example.test/v2"
    changed["workflow"]["environment_variables"].pop(0)
    diff = diff_documents(workflow_data, changed)
    assert diff.summary() == (
        "1 environment variable removed, 1 environment variable changed, features changed"
    )
    (url_change,) = diff.variables[1].fields
    assert (url_change.old, url_change.new) == (
        "https://notes.example.test/api",
        "https://notes.example.test/v2",
    )


def test_diff_files_and_labels(workflow_doc: DslDocument) -> None:
    path = FIXTURES_DIR / "workflow_app.yml"
    diff = diff_files(path, path)
    assert diff.is_empty
    assert diff.old_label == str(path)
    other = load_text(workflow_doc.text, source="app:1234")
    assert diff_documents(workflow_doc, other).new_label == "app:1234"


def test_diffs_survive_pickling(workflow_data: dict[str, Any]) -> None:
    # Prefect may pickle task results; sentinels and enums must come back intact.
    import pickle

    diff = diff_documents(workflow_data, four_edits(workflow_data))
    clone = pickle.loads(pickle.dumps(diff))
    assert clone == diff
    assert clone.summary() == diff.summary()
    assert clone.to_json() == diff.to_json()


def test_renamed_end_output_and_replaced_start_input(workflow_data: dict[str, Any]) -> None:
    changed = copy_tree(workflow_data)
    node(changed, END)["data"]["outputs"][0]["variable"] = "release_notes"  # same selector
    node(changed, START)["data"]["variables"][1] = {  # a different input in the same slot
        "variable": "max_words",
        "label": "Maximum words",
        "type": "number",
        "required": False,
    }
    diff = diff_documents(workflow_data, changed)
    assert [b.message for b in diff.breaking] == [
        "start input 'audience' removed (was in node \"Start\")",
        "end output 'notes' renamed to 'release_notes' (node \"End\")",
    ]
