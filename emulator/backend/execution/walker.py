"""The graph walker: one level of a graph (the top, or one round of a container).

A node runs once every edge into it is decided and at least one was taken; a node whose
incoming edges were all skipped is skipped and skips its own edges, so the far side of
an if-else join still runs once (Dify's edge states: taken / skipped). The queue is
first-in first-out in edge order, which keeps the walk deterministic where Dify would run
branches in parallel.
"""

from __future__ import annotations

from typing import Any

from emulator.backend.execution.graph import CONTAINER_STARTS, Edge, Node
from emulator.backend.execution.nodes import handler_for
from emulator.backend.execution.nodes.base import (
    STOPPED_REASON,
    NodeEnv,
    NodeFailed,
    NodeResult,
    RunHalted,
)

# Containers report through iteration_*/loop_* events instead of node_* (Dify's converter).
_SILENT = frozenset({"iteration", "loop"}) | CONTAINER_STARTS


def walk_level(env: NodeEnv, parent: str | None) -> None:
    graph = env.state.graph
    roots = graph.roots(parent)
    if not roots:
        raise NodeFailed(_no_root_reason(env, parent))
    level = {node.id for node in graph.nodes.values() if node.parent == parent}
    decided: dict[int, bool] = {}
    queue: list[tuple[Node, str | None]] = [(roots[0], None)]
    ran: set[str] = set()  # an edge back into a node that ran does not run it again
    while queue:
        node, predecessor = queue.pop(0)
        if node.id in ran:
            continue
        ran.add(node.id)
        if env.state.ctx.stopped():
            raise RunHalted("stopped", STOPPED_REASON)
        result = run_node(env, node, predecessor)
        if env.loop_broken:
            return
        for edge in graph.outgoing.get(node.id, []):
            if edge.target in level:
                decided[id(edge)] = edge.handle == (result.handle or "source")
        queue.extend(_ready(env, level, decided, node))


def _no_root_reason(env: NodeEnv, parent: str | None) -> str:
    if parent is not None:
        return f"{env.state.graph.nodes[parent].title}: no start node inside"
    triggers = sorted(
        {node.type for node in env.state.graph.nodes.values() if node.type.startswith("trigger-")}
    )
    if triggers:
        return (
            f"Workflow has no start node: it starts with a trigger ({', '.join(triggers)}), "
            "which runs only when triggered"
        )
    return "Graph must have a root node"


def _ready(
    env: NodeEnv, level: set[str], decided: dict[int, bool], source: Node
) -> list[tuple[Node, str | None]]:
    graph = env.state.graph
    ready: list[tuple[Node, str | None]] = []
    pending = [edge for edge in graph.outgoing.get(source.id, []) if edge.target in level]
    while pending:
        edge = pending.pop(0)
        incoming = [each for each in graph.incoming.get(edge.target, []) if each.source in level]
        if any(id(each) not in decided for each in incoming):
            continue
        if any(decided[id(each)] for each in incoming):
            if all(target.id != edge.target for target, _ in ready):
                ready.append((graph.nodes[edge.target], _taken_from(incoming, decided)))
            continue
        for onward in graph.outgoing.get(edge.target, []):  # skipped: so are its edges
            if onward.target in level and id(onward) not in decided:
                decided[id(onward)] = False
                pending.append(onward)
    return ready


def _taken_from(incoming: list[Edge], decided: dict[int, bool]) -> str:
    return next(edge.source for edge in incoming if decided[id(edge)])


def run_node(env: NodeEnv, node: Node, predecessor: str | None) -> NodeResult:
    state = env.state
    if node.type in CONTAINER_STARTS:
        return NodeResult()
    silent = node.type in _SILENT
    state.index += 1
    state.steps += 1
    base = {
        "id": state.new_id(),
        "node_id": node.id,
        "node_type": node.type,
        "title": node.title,
        "index": state.index,
        "predecessor_node_id": predecessor,
        "iteration_id": None,
        "loop_id": None,
        **env.extras(),
    }
    started = state.ctx.now()
    if not silent:
        state.ctx.emit(
            "node_started",
            {"data": {**base, "inputs": None, "created_at": int(started), "extras": {}}},
        )
    try:
        result = _run_handler(node, env)
    except NodeFailed as failed:
        handled = _on_error(node, failed)
        if handled is None:
            if not silent:
                _finish(env, base, started, NodeResult(inputs=failed.inputs), failed.error)
            raise
        state.exceptions += 1
        result = handled
    env.pool.add_all(node.id, result.outputs)
    state.tokens += result.tokens
    if not silent:
        _finish(env, base, started, result, result.error)
    return result


def _run_handler(node: Node, env: NodeEnv) -> NodeResult:
    """A node whose configuration its handler cannot read fails, as a node raising in
    Dify fails: with the reason, never an exception out of the run."""
    try:
        return handler_for(node.type)(node, env)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise NodeFailed(f"{node.title}: {type(exc).__name__}: {exc}") from exc


def _on_error(node: Node, failed: NodeFailed) -> NodeResult | None:
    """Dify's per-node error strategies: a fail branch, or declared default outputs."""
    strategy = node.data.get("error_strategy")
    error_outputs = {"error_message": failed.error, "error_type": "NodeError"}
    if strategy == "fail-branch":
        return NodeResult(
            failed.inputs,
            error_outputs,
            None,
            "fail-branch",
            status="exception",
            error=failed.error,
        )
    if strategy == "default-value":
        defaults = {
            str(item.get("key")): item.get("value")
            for item in node.data.get("default_value") or []
            if isinstance(item, dict)
        }
        return NodeResult(
            failed.inputs, {**defaults, **error_outputs}, status="exception", error=failed.error
        )
    return None


def _finish(
    env: NodeEnv, base: dict[str, Any], started: float, result: NodeResult, error: str | None
) -> None:
    now = env.state.ctx.now()
    status = "failed" if error is not None and result.status == "succeeded" else result.status
    env.state.ctx.emit(
        "node_finished",
        {
            "data": {
                **base,
                "inputs": result.inputs,
                "inputs_truncated": False,
                "process_data": result.process_data,
                "process_data_truncated": False,
                "outputs": result.outputs if status != "failed" else None,
                "outputs_truncated": False,
                "status": status,
                "error": error,
                "elapsed_time": max(now - started, result.delay_s),
                "execution_metadata": {
                    **base.get("execution_metadata", {}),
                    **({"total_tokens": result.tokens} if result.tokens else {}),
                },
                "created_at": int(started),
                "finished_at": int(now),
                "files": [],
            }
        },
    )
