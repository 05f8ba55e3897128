"""run_workflow: one run of a workflow or advanced-chat graph, as Dify's events.

workflow_started → node events (and text_chunk / message chunks) → workflow_finished with
WorkflowRunData; advanced-chat adds message_end after a successful finish. A graph Dify
would not build, or inputs missing a required field, fail with no events at all (Dify
raises before the run starts; the runtime answers that outcome with an error).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from emulator.backend.execution.contracts import GraphRefused, RunContext, RunOutcome
from emulator.backend.execution.graph import (
    graph_section,
    input_problems,
    parse_graph,
    refuse_invalid_graph,
)
from emulator.backend.execution.nodes.base import (
    NodeEnv,
    NodeFailed,
    RunHalted,
    RunState,
    usage,
)
from emulator.backend.execution.pool import VariablePool
from emulator.backend.execution.walker import walk_level


def _new_uuid() -> str:
    return str(uuid.uuid4())


def _named_values(variables: Any) -> dict[str, Any]:
    return {
        str(item["name"]): item.get("value")
        for item in variables or []
        if isinstance(item, dict) and item.get("name")
    }


def run_workflow(
    graph: dict[str, Any],
    *,
    inputs: dict[str, Any],
    query: str | None,
    files: list[dict[str, Any]] | None,
    conversation_id: str | None,
    ctx: RunContext,
    app_id: str = "",
    workflow_id: str = "",
    run_id: str | None = None,
    mode: str | None = None,
    user_id: str = "",
    conversation_variables: dict[str, Any] | None = None,
    new_id: Callable[[], str] = _new_uuid,
) -> RunOutcome:
    """`graph` is the workflow's `graph` mapping or its whole `workflow` section (then its
    environment and conversation variables are read too); `mode` defaults to
    advanced-chat when a query is given."""
    try:
        refuse_invalid_graph(graph)
    except GraphRefused as refused:
        return RunOutcome("failed", {}, None, str(refused), 0, 0)
    problems = input_problems(graph, inputs)
    if problems:
        return RunOutcome("failed", {}, None, problems[0], 0, 0)
    run_mode = mode or ("advanced-chat" if query is not None else "workflow")
    run_id = run_id or new_id()
    state = RunState(
        ctx, parse_graph(graph), app_id, workflow_id, run_id, run_mode, new_id, ctx.now()
    )
    pool = _pool(graph, state, inputs, query, files, conversation_id, user_id)
    pool.add_all("conversation", conversation_variables or {})
    for start in state.graph.roots(None):
        pool.add_all(start.id, inputs)
    ctx.emit(
        "workflow_started",
        {
            "data": {
                "id": run_id,
                "workflow_id": workflow_id,
                "inputs": {**inputs, **_sys_inputs(pool)},
                "created_at": int(state.started_at),
            }
        },
    )
    status, error = "succeeded", None
    env = NodeEnv(state, pool, run_level=walk_level)
    try:
        walk_level(env, None)
    except NodeFailed as failed:
        status, error = "failed", failed.error
    except RunHalted as halted:
        status, error = halted.status, halted.error
    if status == "succeeded" and state.exceptions:
        status = "partial-succeeded"
    return _finish(state, pool, status, error)


def _sys_inputs(pool: VariablePool) -> dict[str, Any]:
    """Dify flattens `sys.*` into the started event's inputs, except the conversation id
    (session-scoped; see WorkflowResponseConverter._prepare_workflow_inputs)."""
    system = pool.namespace("sys")
    system.pop("conversation_id", None)
    return {f"sys.{name}": value for name, value in system.items()}


def _pool(
    graph: dict[str, Any],
    state: RunState,
    inputs: dict[str, Any],
    query: str | None,
    files: list[dict[str, Any]] | None,
    conversation_id: str | None,
    user_id: str,
) -> VariablePool:
    pool = VariablePool()
    system: dict[str, Any] = {
        "files": list(files or []),
        "user_id": user_id,
        "app_id": state.app_id,
        "workflow_id": state.workflow_id,
        "workflow_run_id": state.run_id,
    }
    if state.chat:
        system.update(
            {"query": query or "", "conversation_id": conversation_id, "dialogue_count": 1}
        )
    pool.add_all("sys", system)
    section = graph if graph_section(graph) is not graph else {}
    pool.add_all("env", _named_values(section.get("environment_variables")))
    pool.add_all("conversation", _named_values(section.get("conversation_variables")))
    return pool


def _finish(state: RunState, pool: VariablePool, status: str, error: str | None) -> RunOutcome:
    now = state.ctx.now()
    answer = "".join(state.answer_parts) if state.chat else None
    outputs = {"answer": answer} if state.chat and not state.outputs else dict(state.outputs)
    state.ctx.emit(
        "workflow_finished",
        {
            "data": {
                "id": state.run_id,
                "workflow_id": state.workflow_id,
                "status": status,
                "outputs": outputs,
                "error": error,
                "elapsed_time": now - state.started_at,
                "total_tokens": state.tokens,
                "total_steps": state.steps,
                "created_at": int(state.started_at),
                "finished_at": int(now),
                "exceptions_count": state.exceptions,
                "files": [],
            }
        },
    )
    if state.chat and status != "failed":
        state.ctx.emit(
            "message_end",
            {
                "metadata": {"usage": usage(0, state.tokens, 0.0), "retriever_resources": []},
                "files": [],
            },
        )
    return RunOutcome(
        status,
        outputs,
        answer,
        error,
        state.tokens,
        state.steps,
        pool.namespace("conversation"),
    )
