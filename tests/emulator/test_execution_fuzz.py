"""Whatever graph it is given, the executor ends with an outcome, never an exception."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.backend.execution import FormSubmission, ScriptedResponse
from emulator.backend.execution.nodes import HANDLERS
from tests.emulator._execution import FakeContext, run

NODE_IDS = ["start", "a", "b", "c", "d"]
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.text(max_size=5),
    st.lists(st.sampled_from([*NODE_IDS, "x", "sys", "query"]), max_size=3),
    st.dictionaries(st.sampled_from(["id", "type", "value"]), st.text(max_size=3), max_size=2),
)
FIELDS = st.sampled_from(
    [
        "variables",
        "outputs",
        "cases",
        "iterator_selector",
        "output_selector",
        "loop_count",
        "break_conditions",
        "items",
        "user_actions",
        "classes",
        "prompt_template",
        "template",
        "answer",
        "start_node_id",
        "error_strategy",
        "parameters",
        "timeout",
        "inputs",
    ]
)


def nodes_strategy() -> st.SearchStrategy[list[dict[str, Any]]]:
    def one(index: int) -> st.SearchStrategy[dict[str, Any]]:
        node_type = st.just("start") if index == 0 else st.sampled_from(sorted(HANDLERS))
        return st.builds(
            lambda kind, data, parent: {
                "id": NODE_IDS[index],
                **({"parentId": parent} if parent and index else {}),
                "data": {"type": kind, "title": NODE_IDS[index], **data},
            },
            node_type,
            st.dictionaries(FIELDS, ANY_VALUE, max_size=4),
            st.one_of(st.none(), st.sampled_from(NODE_IDS[1:])),
        )

    return st.tuples(*(one(index) for index in range(len(NODE_IDS)))).map(list)


EDGES = st.lists(
    st.builds(
        lambda source, target, handle: {"source": source, "target": target, "sourceHandle": handle},
        st.sampled_from(NODE_IDS),
        st.sampled_from(NODE_IDS),
        st.sampled_from(["source", "false", "true", "fail-branch", "a"]),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(nodes_strategy(), EDGES, st.booleans(), st.booleans())
def test_any_graph_ends_in_an_outcome(nodes, edges, chat, scripted_error):
    scripts = {"b": ScriptedResponse(error="scripted")} if scripted_error else {}
    ctx = FakeContext(scripts=scripts, forms=[FormSubmission("a", {})])
    outcome, ctx = run(
        {"nodes": nodes, "edges": edges}, ctx, inputs={"x": "1"}, query="q" if chat else None
    )
    assert outcome.status in {"succeeded", "partial-succeeded", "failed", "stopped"}
    if outcome.status == "failed":
        assert outcome.error
    if ctx.events:
        assert len(ctx.named("node_started")) <= len(NODE_IDS) * 10  # loops end
        assert ctx.names()[0] == "workflow_started"
        assert ctx.names().count("workflow_finished") == 1
