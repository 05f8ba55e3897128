"""check_document / check_file: every problem located, with a verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from dsl import (
    DslDocument,
    ImportCompatibility,
    Severity,
    check_document,
    check_file,
    load_text,
    render_check_text,
)
from dsl.tree import copy_tree
from tests.dsl.scenarios import END, HTTP, LLM, node


def as_document(data: dict[str, Any], source: str = "app.yml") -> DslDocument:
    return load_text(yaml.dump(data, allow_unicode=True), source=source)


def test_clean_fixture_passes(workflow_doc: DslDocument) -> None:
    report = check_document(workflow_doc)
    assert report.ok and report.exit_code == 0
    assert [(p.severity, p.code) for p in report.problems] == [(Severity.INFO, "workspace-bound")]


def test_dangling_references_are_located_errors(workflow_data: dict[str, Any]) -> None:
    node(workflow_data, END)["data"]["outputs"][0]["value_selector"] = ["gone", "text"]
    prompt = node(workflow_data, LLM)["data"]["prompt_template"][1]
    prompt["text"] = "{{#env.missing#}} and {{#conversation.memory#}} and {{#sys.query#}}"
    workflow_data["workflow"]["graph"]["edges"][0]["target"] = "nowhere"
    report = check_document(as_document(workflow_data))
    errors = report.by_severity(Severity.ERROR)
    assert [(p.code, p.message) for p in errors] == [
        (
            "dangling-edge",
            "edge 1700000000001-source-1700000000002-target: target 'nowhere' is "
            "not a node of this graph",
        ),
        (
            "unknown-variable",
            'node "Draft notes" refers to {{#env.missing#}}, but there is no '
            "environment variable 'missing'",
        ),
        (
            "unknown-variable",
            'node "Draft notes" refers to {{#conversation.memory#}}, but there '
            "is no conversation variable 'memory'",
        ),
        ("dangling-reference", "node \"End\" refers to [gone, text], but there is no node 'gone'"),
    ]
    assert all(p.line and p.column for p in errors)
    text = yaml.dump(workflow_data, allow_unicode=True).splitlines()
    edge_error = errors[0]
    assert text[edge_error.line - 1].strip() == "target: nowhere"  # type: ignore[operator]
    assert not report.ok and report.exit_code == 1


def test_secrets_fail_the_check(workflow_data: dict[str, Any]) -> None:
    node(workflow_data, HTTP)["data"]["authorization"]["config"]["api_key"] = "k-9d8c7b6a5f4e"
    report = check_document(as_document(workflow_data))
    (secret,) = [p for p in report.problems if p.code == "secret"]
    assert secret.severity is Severity.ERROR
    assert "HTTP request API key typed into the node" in secret.message
    assert "k-9d8c7b6a5f4e" not in json.dumps(report.to_json())


def test_version_and_compatibility(workflow_doc: DslDocument) -> None:
    report = check_document(workflow_doc, current_version="0.6.0")
    assert report.compatibility is ImportCompatibility.COMPLETED_WITH_WARNINGS
    (note,) = [p for p in report.problems if p.code == "compatibility"]
    assert note.severity is Severity.INFO
    assert note.line == workflow_doc.text.splitlines().index("version: 0.5.0") + 1
    pending = check_document(workflow_doc, current_version="0.4.0")
    assert pending.compatibility is ImportCompatibility.PENDING
    assert pending.ok, "a pending import is a warning, not an error"
    assert any(p.severity is Severity.WARNING for p in pending.problems)


def test_unparsable_version_and_unknown_mode() -> None:
    document = load_text("app:\n  mode: robot\nversion: latest\n", source="odd.yml")
    problems = [(p.severity, p.code, p.line) for p in check_document(document).problems]
    assert problems == [
        (Severity.ERROR, "version", 3),
        (Severity.WARNING, "mode", 2),
    ]


def test_mode_needs_its_section() -> None:
    report = check_document(load_text("app:\n  mode: workflow\n"))
    assert [p.message for p in report.by_severity(Severity.ERROR)] == [
        "a workflow app needs workflow.graph with nodes; Dify fails the import without it"
    ]
    info = [p.message for p in report.by_severity(Severity.INFO)]
    assert info == ["no version: Dify treats it as 0.1.0"]


def test_duplicate_node_ids(workflow_data: dict[str, Any]) -> None:
    nodes = workflow_data["workflow"]["graph"]["nodes"]
    nodes.append(copy_tree(nodes[0]))
    report = check_document(as_document(workflow_data))
    assert [p.message for p in report.problems if p.code == "node-id"] == [
        "node id 1700000000001 is used by 2 nodes"
    ]


def test_check_file_reports_parse_errors(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("app:\n  mode: chat\nversion: 1.0\n", encoding="utf-8")
    report = check_file(path)
    assert not report.ok
    (problem,) = report.problems
    assert (problem.code, problem.line, problem.column) == ("parse", 3, 10)
    assert problem.message.endswith("quote the version: version: '1.0'")
    assert render_check_text(report) == (
        f"{path}:3:10: error: version is a number (1.0), not a string; Dify rejects it; "
        "quote the version: version: '1.0'\n"
        f"{path}: failed — 1 error(s), 0 warning(s), 0 note(s)\n"
    )


def test_check_file_on_a_missing_file(tmp_path: Path) -> None:
    report = check_file(tmp_path / "nope.yml")
    assert not report.ok
    assert "cannot read file" in report.problems[0].message


def test_report_json_shape(workflow_doc: DslDocument) -> None:
    payload = check_document(workflow_doc, current_version="0.5.0").to_json()
    assert payload["ok"] is True
    assert payload["compatibility"] == "completed"
    assert payload["counts"] == {"error": 0, "warning": 0, "info": 1}
    assert payload["problems"][0]["path"] == "workflow.graph.nodes[1].data.dataset_ids"
    json.dumps(payload)


def test_wrapped_documents_say_how_to_read_positions(workflow_doc: DslDocument) -> None:
    wrapped = load_text(json.dumps({"data": workflow_doc.text}), source="body.json")
    report = check_document(wrapped)
    assert "inside the YAML text" in render_check_text(report)


def test_duplicate_human_input_action_ids_are_located_errors(
    workflow_data: dict[str, Any],
) -> None:
    actions = [
        {"id": "approve", "title": "Approve"},
        {"id": "reject", "title": "Reject"},
        {"id": "approve", "title": "Approve again"},
    ]
    workflow_data["workflow"]["graph"]["nodes"].append(
        {
            "id": "human",
            "type": "custom",
            "data": {"type": "human-input", "title": "Review", "user_actions": actions},
        }
    )
    report = check_document(as_document(workflow_data))
    (problem,) = [p for p in report.problems if p.code == "human-input"]
    assert problem.severity is Severity.ERROR and not report.ok
    assert problem.message == (
        "human-input node \"Review\": user action id 'approve' is used twice; "
        "Dify refuses the import"
    )
    text = yaml.dump(workflow_data, allow_unicode=True).splitlines()
    assert text[problem.line - 1].strip() == "- id: approve"  # type: ignore[operator]
    reject = next(at for at, line in enumerate(text) if line.strip() == "title: Reject")
    assert problem.line > reject + 1  # the repeated one, after "reject", is the one located


def test_distinct_human_input_action_ids_pass(workflow_data: dict[str, Any]) -> None:
    actions = [{"id": "approve", "title": "A"}, {"id": "reject", "title": "R"}]
    workflow_data["workflow"]["graph"]["nodes"].append(
        {"id": "human", "data": {"type": "human-input", "title": "R", "user_actions": actions}}
    )
    report = check_document(as_document(workflow_data))
    assert not [p for p in report.problems if p.code == "human-input"]
