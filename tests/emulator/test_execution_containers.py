"""iteration and loop: children per item / round, container events, error modes."""

from __future__ import annotations

from typing import Any

from emulator.backend.execution import ScriptedResponse
from tests.emulator._execution import FakeContext, edge, end, graph, node, run, start


def test_iteration_runs_its_children_per_item_with_events():
    g = graph(
        [
            start("items"),
            node(
                "it",
                "iteration",
                iterator_selector=["start", "items"],
                output_selector=["tt", "output"],
                start_node_id="it-start",
            ),
            node("it-start", "iteration-start", parent="it"),
            node(
                "tt",
                "template-transform",
                parent="it",
                template="{{ i }}#{{ n }}",
                variables=[
                    {"variable": "i", "value_selector": ["it", "item"]},
                    {"variable": "n", "value_selector": ["it", "index"]},
                ],
            ),
            end(out=["it", "output"]),
        ],
        [edge("start", "it"), edge("it-start", "tt"), edge("it", "end")],
    )
    outcome, ctx = run(g, inputs={"items": ["a", "b", "c"]})
    assert outcome.outputs == {"out": ["a#0", "b#1", "c#2"]}
    names = ctx.names()
    assert names.count("iteration_next") == 3 and names.count("iteration_started") == 1
    assert names.index("iteration_started") < names.index("iteration_completed")
    children = [e["data"] for e in ctx.named("node_finished") if e["data"]["node_id"] == "tt"]
    assert [c["iteration_id"] for c in children] == ["it"] * 3
    assert [c["execution_metadata"]["iteration_index"] for c in children] == [0, 1, 2]
    completed = ctx.named("iteration_completed")[0]["data"]
    assert completed["outputs"] == {"output": ["a#0", "b#1", "c#2"]}
    assert "it" not in [n for n, _ in ctx.trail()]  # containers report through iteration_*


def test_loop_carries_its_variables_and_stops_on_break_conditions():
    break_when = [{"variable_selector": ["lp", "n"], "comparison_operator": "≥", "value": "3"}]
    g = graph(
        [
            start(),
            node(
                "lp",
                "loop",
                loop_count=10,
                break_conditions=break_when,
                logical_operator="and",
                loop_variables=[
                    {"label": "n", "var_type": "number", "value_type": "constant", "value": 0}
                ],
                start_node_id="lp-start",
            ),
            node("lp-start", "loop-start", parent="lp"),
            node(
                "inc",
                "assigner",
                parent="lp",
                version="2",
                items=[
                    {
                        "variable_selector": ["lp", "n"],
                        "operation": "+=",
                        "input_type": "constant",
                        "value": 1,
                    }
                ],
            ),
            end(n=["lp", "n"]),
        ],
        [edge("start", "lp"), edge("lp-start", "inc"), edge("lp", "end")],
    )
    outcome, ctx = run(g)
    assert outcome.outputs == {"n": 3}
    assert ctx.names().count("loop_next") == 3
    children = [e["data"] for e in ctx.named("node_finished") if e["data"]["node_id"] == "inc"]
    assert [c["loop_id"] for c in children] == ["lp"] * 3


def test_a_loop_end_node_ends_the_loop():
    g = graph(
        [
            start(),
            node("lp", "loop", loop_count=5, loop_variables=[], start_node_id="lp-start"),
            node("lp-start", "loop-start", parent="lp"),
            node("stop", "loop-end", parent="lp"),
            end(),
        ],
        [edge("start", "lp"), edge("lp-start", "stop"), edge("lp", "end")],
    )
    _, ctx = run(g)
    assert ctx.names().count("loop_next") == 1
    assert ctx.named("loop_completed")[0]["data"]["status"] == "succeeded"


def test_a_failing_child_fails_the_iteration_and_the_run_unless_told_to_continue():
    def iteration_graph(mode: str) -> dict[str, Any]:
        return graph(
            [
                start("items"),
                node(
                    "it",
                    "iteration",
                    iterator_selector=["start", "items"],
                    output_selector=["c", "n"],
                    start_node_id="it-start",
                    error_handle_mode=mode,
                ),
                node("it-start", "iteration-start", parent="it"),
                node("c", "code", parent="it", outputs={"n": {"type": "number"}}),
                end(out=["it", "output"]),
            ],
            [edge("start", "it"), edge("it-start", "c"), edge("it", "end")],
        )

    failing = ScriptedResponse(error="sandbox crashed")
    outcome, ctx = run(
        iteration_graph("terminated"), FakeContext(scripts={"c": failing}), inputs={"items": [1, 2]}
    )
    assert (outcome.status, outcome.error) == ("failed", "sandbox crashed")
    completed = ctx.named("iteration_completed")[0]["data"]
    assert (completed["id"], completed["status"]) == ("it", "failed")
    assert ctx.names().count("iteration_next") == 1
    outcome, _ = run(
        iteration_graph("continue-on-error"),
        FakeContext(scripts={"c": failing}),
        inputs={"items": [1, 2]},
    )
    assert (outcome.status, outcome.outputs) == ("succeeded", {"out": [None, None]})
    outcome, _ = run(
        iteration_graph("remove-abnormal-output"),
        FakeContext(scripts={"c": failing}),
        inputs={"items": [1, 2]},
    )
    assert outcome.outputs == {"out": []}


def test_an_iterator_that_is_not_a_list_fails_with_a_reason():
    g = graph(
        [start("x"), node("it", "iteration", iterator_selector=["start", "x"])],
        [edge("start", "it")],
    )
    outcome, _ = run(g, inputs={"x": "text"})
    assert outcome.status == "failed" and "please provide a list" in (outcome.error or "")
