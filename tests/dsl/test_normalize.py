"""Normalisation: one golden per rule, purity, idempotence."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl import RULES, WORKSPACE_BOUND_MARKER, DslDocument, NormalizationRule, normalize
from dsl.tree import copy_tree
from tests.dsl.conftest import GOLDEN_DIR, load_yaml_file

RULES_DIR = GOLDEN_DIR / "rules"


def test_every_rule_has_a_golden_and_every_golden_a_rule() -> None:
    assert sorted(rule.name for rule in RULES) == sorted(p.name for p in RULES_DIR.iterdir())


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_rule_golden(rule: NormalizationRule) -> None:
    before = load_yaml_file(RULES_DIR / rule.name / "before.yml")
    after = load_yaml_file(RULES_DIR / rule.name / "after.yml")
    untouched = copy_tree(before)
    assert rule.apply(before) == after
    assert before == untouched, "a rule must not change its input"
    assert rule.apply(after) == after, "a rule must be idempotent"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_rule_is_documented(rule: NormalizationRule) -> None:
    assert len(rule.description) > 40
    assert "§" in rule.description, "cite the dsl-format.md section the rule relies on"


def test_rules_tolerate_malformed_documents() -> None:
    odd: dict[str, Any] = {
        "dependencies": ["x", {"value": 3}],
        "workflow": {"graph": {"nodes": ["x", {"data": "y"}, {"id": 1}], "edges": [None]}},
        "model_config": "nope",
    }
    for rule in RULES:
        rule.apply(odd)
    assert normalize(normalize(odd)) == normalize(odd)


def test_normalize_keeps_position_by_default(workflow_doc: DslDocument) -> None:
    nodes = normalize(workflow_doc)["workflow"]["graph"]["nodes"]
    assert all("position" in node for node in nodes)
    assert all("positionAbsolute" not in node for node in nodes)
    stripped = normalize(workflow_doc, ignore_position=True)["workflow"]["graph"]["nodes"]
    assert all("position" not in node for node in stripped)


def test_normalize_is_pure_and_idempotent(workflow_doc: DslDocument) -> None:
    before = copy_tree(workflow_doc.data)
    once = normalize(workflow_doc)
    assert workflow_doc.data == before
    assert normalize(once) == once
    once["workflow"]["graph"]["nodes"].clear()
    assert workflow_doc.data == before, "the result shares no containers with the input"


def test_normalised_fixture_has_no_canvas_noise_left(workflow_doc: DslDocument) -> None:
    result = normalize(workflow_doc)
    assert "version" not in result
    graph = result["workflow"]["graph"]
    assert "viewport" not in graph
    for node in graph["nodes"]:
        assert set(node) == {"id", "type", "data", "position"}
        assert "selected" not in node["data"]
    assert "fileUploadConfig" not in result["workflow"]["features"]["file_upload"]
    identifier = result["dependencies"][0]["value"]["marketplace_plugin_unique_identifier"]
    assert identifier == "langgenius/openai:0.2.6"
    retrieval = next(n for n in graph["nodes"] if n["data"]["type"] == "knowledge-retrieval")
    assert retrieval["data"]["dataset_ids"] == [WORKSPACE_BOUND_MARKER]


# --- property tests ---------------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))
_VOLATILE = ["selected", "width", "height", "zIndex", "positionAbsolute", "dragging", "position"]
_keys = st.sampled_from(
    ["id", "title", "type", "value", "credential_id", "dataset_ids", *_VOLATILE]
)
_json = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_keys, children, max_size=4),
    max_leaves=12,
)
_node = st.fixed_dictionaries(
    {"id": st.text(max_size=4), "data": st.dictionaries(_keys, _json, max_size=4)},
    optional={key: _json for key in _VOLATILE},
)
_edge = st.fixed_dictionaries(
    {"id": st.text(max_size=4), "source": st.text(max_size=3), "target": st.text(max_size=3)},
    optional={"selected": st.booleans(), "zIndex": st.integers()},
)
_document = st.fixed_dictionaries(
    {
        "app": st.fixed_dictionaries({"mode": st.sampled_from(["workflow", "chat"])}),
        "workflow": st.fixed_dictionaries(
            {
                "graph": st.fixed_dictionaries(
                    {"nodes": st.lists(_node, max_size=4), "edges": st.lists(_edge, max_size=4)},
                    optional={"viewport": _json},
                ),
            },
            optional={"features": st.dictionaries(st.just("file_upload"), _json)},
        ),
    },
    optional={"version": st.text(max_size=5), "dependencies": st.lists(_json, max_size=3)},
)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(_document, st.booleans())
def test_normalize_is_idempotent_and_pure_on_generated_documents(
    document: dict[str, Any], ignore_position: bool
) -> None:
    before = copy_tree(document)
    once = normalize(document, ignore_position=ignore_position)
    assert document == before
    assert normalize(once, ignore_position=ignore_position) == once
