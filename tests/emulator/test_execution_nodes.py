"""Node semantics: if-else operators, the template sandbox, aggregation,
the assigner, the classifier's branches and Dify's per-node error strategies."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.backend.execution import ScriptedResponse
from emulator.backend.execution.conditions import OPERATORS
from emulator.backend.execution.nodes.assigner import apply
from emulator.backend.execution.sandbox import TemplateFailed, render_jinja
from tests.emulator._execution import FakeContext, edge, end, graph, node, run, start


def branch(value: Any, operator: str, expected: Any = None) -> str:
    """Which end an if-else with one condition on `start.x` reaches."""
    condition = {
        "variable_selector": ["start", "x"],
        "comparison_operator": operator,
        "value": expected,
    }
    cases = [{"case_id": "yes", "logical_operator": "and", "conditions": [condition]}]
    g = graph(
        [
            start("x"),
            node("if", "if-else", cases=cases),
            node("yes", "end", outputs=[]),
            node("no", "end", outputs=[]),
        ],
        [edge("start", "if"), edge("if", "yes", "yes"), edge("if", "no", "false")],
    )
    _, ctx = run(g, inputs={"x": value})
    ran = [node_id for node_id, _ in ctx.trail()]
    assert ctx.finished()["status"] == "succeeded", ctx.finished()
    assert ("yes" in ran) != ("no" in ran)
    return "yes" if "yes" in ran else "no"


@pytest.mark.parametrize(
    ("value", "operator", "expected", "taken"),
    [
        ("hello world", "contains", "world", "yes"),
        ("hello", "contains", "world", "no"),
        (["a", "b"], "contains", "b", "yes"),
        (None, "contains", "b", "no"),
        ("hello", "not contains", "x", "yes"),
        (None, "not contains", "x", "yes"),
        ("hello", "start with", "he", "yes"),
        ("hello", "end with", "he", "no"),
        ("cat", "is", "cat", "yes"),
        ("cat", "is not", "cat", "no"),
        ("", "empty", None, "yes"),
        ([], "not empty", None, "no"),
        ("b", "in", ["a", "b"], "yes"),
        ("c", "not in", ["a", "b"], "yes"),
        (["a", "b", "c"], "all of", ["a", "c"], "yes"),
        (["a"], "all of", ["a", "c"], "no"),
        (3, "=", "3", "yes"),
        ("3.5", "≠", "3.5", "no"),
        (4, ">", "3", "yes"),
        (4, "<", "3", "no"),
        (3, "≥", "3", "yes"),
        (2, "≤", "1", "no"),
        (None, "null", None, "yes"),
        ("x", "not null", None, "yes"),
        ("x", "exists", None, "yes"),
        (None, "not exists", None, "yes"),
        (True, "is", "true", "yes"),
    ],
)
def test_if_else_operators(value: Any, operator: str, expected: Any, taken: str) -> None:
    assert branch(value, operator, expected) == taken


def test_every_operator_dify_lists_is_known():
    dify = {
        "contains",
        "not contains",
        "start with",
        "end with",
        "is",
        "is not",
        "empty",
        "not empty",
        "in",
        "not in",
        "all of",
        "=",
        "≠",
        ">",
        "<",
        "≥",
        "≤",
        "null",
        "not null",
        "exists",
        "not exists",
    }
    assert dify <= set(OPERATORS)


def test_a_number_operator_on_text_fails_the_node_with_a_reason():
    condition = {"variable_selector": ["start", "x"], "comparison_operator": ">", "value": "1"}
    g = graph(
        [start("x"), node("if", "if-else", cases=[{"case_id": "a", "conditions": [condition]}])],
        [edge("start", "if")],
    )
    outcome, _ = run(g, inputs={"x": "abc"})
    assert outcome.status == "failed" and "number" in (outcome.error or "")


def test_case_logic_or_and_the_second_case_and_a_join_after_the_branches():
    def cond(operator: str, value: str) -> dict[str, Any]:
        return {
            "variable_selector": ["start", "x"],
            "comparison_operator": operator,
            "value": value,
        }

    cases = [
        {
            "case_id": "c1",
            "logical_operator": "and",
            "conditions": [cond("contains", "a"), cond("contains", "z")],
        },
        {
            "case_id": "c2",
            "logical_operator": "or",
            "conditions": [cond("contains", "z"), cond("contains", "b")],
        },
    ]
    g = graph(
        [
            start("x"),
            node("if", "if-else", cases=cases),
            node("t1", "template-transform", template="one", variables=[]),
            node("t2", "template-transform", template="two", variables=[]),
            node("agg", "variable-aggregator", variables=[["t1", "output"], ["t2", "output"]]),
            end(out=["agg", "output"]),
        ],
        [
            edge("start", "if"),
            edge("if", "t1", "c1"),
            edge("if", "t2", "c2"),
            edge("t1", "agg"),
            edge("t2", "agg"),
            edge("agg", "end"),
        ],
    )
    outcome, ctx = run(g, inputs={"x": "ab"})
    assert outcome.outputs == {"out": "two"}
    assert [n for n, _ in ctx.trail()] == ["start", "if", "t2", "agg", "end"]
    if_data = ctx.named("node_finished")[1]["data"]
    assert if_data["outputs"]["selected_case_id"] == "c2"


def test_grouped_aggregation():
    settings = {
        "group_enabled": True,
        "groups": [{"group_name": "g1", "variables": [["missing", "x"], ["start", "x"]]}],
    }
    g = graph(
        [
            start("x"),
            node("agg", "variable-aggregator", advanced_settings=settings),
            end(o=["agg", "g1"]),
        ],
        [edge("start", "agg"), edge("agg", "end")],
    )
    outcome, _ = run(g, inputs={"x": "v"})
    assert outcome.outputs == {"o": {"output": "v"}}


def test_template_transform_renders_jinja():
    g = graph(
        [
            start("names"),
            node(
                "t",
                "template-transform",
                template="{% for n in names %}{{ n|upper }};{% endfor %}",
                variables=[{"variable": "names", "value_selector": ["start", "names"]}],
            ),
            end(o=["t", "output"]),
        ],
        [edge("start", "t"), edge("t", "end")],
    )
    outcome, _ = run(g, inputs={"names": ["a", "b"]})
    assert outcome.outputs == {"o": "A;B;"}


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ lipsum.__globals__['os'].system('true') }}",
    ],
)
def test_the_template_sandbox_refuses_escapes(template: str) -> None:
    with pytest.raises(TemplateFailed):
        render_jinja(template, {"x": 1})
    g = graph(
        [start(), node("t", "template-transform", template=template, variables=[])],
        [edge("start", "t")],
    )
    outcome, _ = run(g)
    assert outcome.status == "failed" and outcome.error


def test_the_sandbox_hides_dunder_attributes():
    assert render_jinja("[{{ x.__class__ }}][{{ x.__dict__ }}]", {"x": 1}) == "[][]"


@pytest.mark.parametrize(
    ("operation", "current", "operand", "expected"),
    [
        ("over-write", "a", "b", "b"),
        ("clear", ["a"], None, []),
        ("clear", "abc", None, ""),
        ("append", ["a"], "b", ["a", "b"]),
        ("extend", ["a"], ["b", "c"], ["a", "b", "c"]),
        ("remove-first", [1, 2, 3], None, [2, 3]),
        ("remove-last", [1, 2, 3], None, [1, 2]),
        ("+=", 2, 3, 5),
        ("*=", 2, 3, 6),
        ("set", 1, 9, 9),
    ],
)
def test_assigner_operations(operation: str, current: Any, operand: Any, expected: Any) -> None:
    assert apply(operation, current, operand) == expected


def test_assigner_v1_overwrites_a_conversation_variable():
    g = {
        "conversation_variables": [{"name": "last", "value": "old"}],
        "graph": graph(
            [
                start("x"),
                node(
                    "a",
                    "assigner",
                    assigned_variable_selector=["conversation", "last"],
                    input_variable_selector=["start", "x"],
                    write_mode="over-write",
                ),
                end(last=["conversation", "last"]),
            ],
            [edge("start", "a"), edge("a", "end")],
        ),
    }
    outcome, _ = run(g, inputs={"x": "new"})
    assert outcome.outputs == {"last": "new"}
    assert outcome.conversation_variables == {"last": "new"}


def classifier_graph() -> dict[str, Any]:
    classes = [{"id": "c-bill", "name": "billing"}, {"id": "c-tech", "name": "technical"}]
    return graph(
        [
            start("q"),
            node(
                "qc", "question-classifier", classes=classes, query_variable_selector=["start", "q"]
            ),
            node("bill", "end", outputs=[]),
            node("tech", "end", outputs=[]),
        ],
        [edge("start", "qc"), edge("qc", "bill", "c-bill"), edge("qc", "tech", "c-tech")],
    )


def test_the_classifier_picks_its_first_class_unless_scripted():
    _, ctx = run(classifier_graph(), inputs={"q": "my router"})
    assert [n for n, _ in ctx.trail()] == ["start", "qc", "bill"]
    scripted = FakeContext(scripts={"qc": ScriptedResponse(text="technical")})
    _, ctx = run(classifier_graph(), scripted, inputs={"q": "my router"})
    assert [n for n, _ in ctx.trail()] == ["start", "qc", "tech"]
    assert ctx.queries[0].prompt == "my router"


def test_error_strategies_fail_branch_and_default_value():
    g = graph(
        [
            start(),
            node("code", "code", error_strategy="fail-branch", outputs={}),
            node("ok", "end", outputs=[]),
            node(
                "bad",
                "end",
                outputs=[{"variable": "e", "value_selector": ["code", "error_message"]}],
            ),
        ],
        [edge("start", "code"), edge("code", "ok"), edge("code", "bad", "fail-branch")],
    )
    outcome, ctx = run(g, FakeContext(scripts={"code": ScriptedResponse(error="boom")}))
    assert ctx.trail() == [("start", "succeeded"), ("code", "exception"), ("bad", "succeeded")]
    assert (outcome.status, outcome.outputs) == ("partial-succeeded", {"e": "boom"})
    assert ctx.finished()["exceptions_count"] == 1

    g = graph(
        [
            start(),
            node(
                "http",
                "http-request",
                error_strategy="default-value",
                default_value=[{"key": "body", "value": "fallback", "type": "string"}],
            ),
            end(body=["http", "body"]),
        ],
        [edge("start", "http"), edge("http", "end")],
    )
    outcome, _ = run(g, FakeContext(scripts={"http": ScriptedResponse(error="timeout")}))
    assert (outcome.status, outcome.outputs) == ("partial-succeeded", {"body": "fallback"})


@pytest.mark.parametrize(
    "broken",
    [
        node("n", "loop", loop_count="many"),
        node("n", "human-input", timeout="soon", user_actions=[{"id": "a"}]),
        node("n", "assigner", version="2", items=[{"variable_selector": "conversation.x"}]),
        node(
            "n", "if-else", cases=[{"case_id": "a", "conditions": [{"comparison_operator": "?"}]}]
        ),
    ],
)
def test_a_node_config_the_handler_cannot_read_fails_the_node_not_the_process(broken):
    outcome, ctx = run(graph([start(), broken], [edge("start", "n")]))
    assert outcome.status == "failed" and outcome.error
    assert ctx.finished()["status"] == "failed"
