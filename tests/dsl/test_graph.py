"""Graph reading: references in every shape Dify writes them, and id renaming."""

from __future__ import annotations

from typing import Any

from dsl.graph import iter_references, node_type, references_in, rename_node_ids
from dsl.tree import copy_tree, format_path


def targets(data: dict[str, Any]) -> list[tuple[str, tuple[str, ...], str]]:
    return [(format_path(path), target, form) for path, target, form in references_in(data)]


def test_selector_shapes() -> None:
    data = {
        "variables": [{"variable": "x", "value_selector": ["a", "text"]}],
        "query": ["b", "text"],  # parameter-extractor
        "variable": ["sys", "files"],  # list-operator
        "iterator_selector": ["c", "items"],
        "tool_parameters": {
            "q": {"type": "variable", "value": ["d", "out"]},
            "k": {"type": "constant", "value": ["not", "a", "selector"]},
        },
        "items": [{"input_type": "variable", "value": ["e", "v"]}],
        "loop_variables": [{"value_type": "variable", "value": ["f", "w"]}],
        "advanced_settings": {"groups": [{"variables": [["g", "x"], ["h", "y"]]}]},
        "options": ["red", "green"],
    }
    assert targets(data) == [
        ("variables[0].value_selector", ("a", "text"), "selector"),
        ("query", ("b", "text"), "selector"),
        ("variable", ("sys", "files"), "selector"),
        ("iterator_selector", ("c", "items"), "selector"),
        ("tool_parameters.q.value", ("d", "out"), "selector"),
        ("items[0].value", ("e", "v"), "selector"),
        ("loop_variables[0].value", ("f", "w"), "selector"),
        ("advanced_settings.groups[0].variables[0]", ("g", "x"), "selector"),
        ("advanced_settings.groups[0].variables[1]", ("h", "y"), "selector"),
    ]


def test_template_references_skip_placeholders_and_code() -> None:
    data = {
        "answer": "{{#llm.text#}} {{#context#}} {{#1700.structured_output.score#}}",
        "code": "return '{{#not.a_reference#}}'",
    }
    assert targets(data) == [
        ("answer", ("llm", "text"), "template"),
        ("answer", ("1700", "structured_output", "score"), "template"),
    ]


def test_references_know_their_node(workflow_doc: Any) -> None:
    references = list(iter_references(workflow_doc.data))
    first = references[0]
    assert (first.node_title, first.target, first.path[:4]) == (
        "Style guide",
        ("1700000000001", "changes"),
        ("workflow", "graph", "nodes", 1),
    )
    assert first.target_text == "[1700000000001, changes]"
    assert {r.form for r in references} == {"selector", "template"}


def test_rename_node_ids_everywhere(workflow_doc: Any) -> None:
    data = copy_tree(workflow_doc.data)
    rename_node_ids(data, {"1700000000003": "llm"})
    text = repr(data["workflow"]["graph"]["nodes"])
    assert "1700000000003" not in text
    assert "{{#llm.text#}}" in text
    edges = data["workflow"]["graph"]["edges"]
    assert ("1700000000002", "llm") in [(e["source"], e["target"]) for e in edges]


def test_notes_have_their_own_type() -> None:
    assert node_type({"type": "custom-note", "data": {"type": ""}}) == "note"
    assert node_type({"type": "custom", "data": {"type": "llm"}}) == "llm"
