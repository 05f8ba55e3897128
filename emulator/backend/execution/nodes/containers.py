"""iteration and loop: their children walk once per item / round, between the container's
own `*_started`, `*_next` (before every round) and `*_completed` events."""

from __future__ import annotations

from typing import Any

from emulator.backend.execution.conditions import ConditionError, evaluate_all
from emulator.backend.execution.graph import Node
from emulator.backend.execution.nodes.base import (
    STOPPED_REASON,
    NodeEnv,
    NodeFailed,
    NodeResult,
    RunHalted,
)


def _base(node: Node, env: NodeEnv) -> dict[str, Any]:
    # Dify's converter uses the node id as the container events' `id`.
    return {
        "id": node.id,
        "node_id": node.id,
        "node_type": node.type,
        "title": node.title,
        "extras": {},
        "created_at": env.state.created_at(),
    }


def _walk_round(node: Node, env: NodeEnv, child: NodeEnv) -> None:
    if env.state.ctx.stopped():
        raise RunHalted("stopped", STOPPED_REASON)
    assert env.run_level is not None
    env.run_level(child, node.id)


def _completed(
    kind: str, node: Node, env: NodeEnv, base: dict[str, Any], started: float, **fields: Any
) -> None:
    now = env.state.ctx.now()
    env.state.ctx.emit(
        f"{kind}_completed",
        {
            "data": {
                **base,
                "elapsed_time": now - started,
                "total_tokens": env.state.tokens,
                "execution_metadata": {"total_tokens": env.state.tokens},
                "finished_at": int(now),
                "inputs_truncated": False,
                "outputs_truncated": False,
                **fields,
            }
        },
    )


def run_iteration(node: Node, env: NodeEnv) -> NodeResult:
    items = env.pool.get(node.data.get("iterator_selector"))
    if items is None:
        items = []
    if not isinstance(items, list):
        raise NodeFailed(f"Invalid iterator value: {items!r}, please provide a list.")
    started = env.state.ctx.now()
    base = _base(node, env)
    inputs = {"iterator_selector": items}
    env.state.ctx.emit(
        "iteration_started",
        {"data": {**base, "metadata": {"iterator_length": len(items)}, "inputs": inputs}},
    )
    mode = node.data.get("error_handle_mode") or "terminated"
    outputs: list[Any] = []
    for index, item in enumerate(items):
        env.state.ctx.emit(
            "iteration_next",
            {"data": {**base, "index": index}},
        )
        pool = env.pool.copy()
        pool.add(node.id, "item", item)
        pool.add(node.id, "index", index)
        try:
            _walk_round(node, env, env.child(node, index, pool))
        except NodeFailed:
            if mode == "terminated":
                _completed(
                    "iteration",
                    node,
                    env,
                    base,
                    started,
                    inputs=inputs,
                    outputs=None,
                    status="failed",
                    error=None,  # as Dify's converter: the reason is on the failed child
                    steps=index + 1,
                )
                raise
            if mode == "continue-on-error":
                outputs.append(None)
            continue
        outputs.append(pool.get(node.data.get("output_selector")))
    result = {"output": outputs}
    _completed(
        "iteration",
        node,
        env,
        base,
        started,
        inputs=inputs,
        outputs=result,
        status="succeeded",
        error=None,
        steps=len(items),
    )
    return NodeResult(inputs=inputs, outputs=result)


def _loop_variables(node: Node, env: NodeEnv) -> list[str]:
    labels = []
    for variable in node.data.get("loop_variables") or []:
        if not isinstance(variable, dict) or not variable.get("label"):
            continue
        value = variable.get("value")
        if variable.get("value_type") == "variable":
            value = env.pool.get(value)
        env.pool.add(node.id, str(variable["label"]), value)
        labels.append(str(variable["label"]))
    return labels


def _should_break(node: Node, env: NodeEnv) -> bool:
    conditions = node.data.get("break_conditions") or []
    if not conditions:
        return False
    try:
        verdict, _ = evaluate_all(
            conditions, str(node.data.get("logical_operator") or "and"), env.pool
        )
    except ConditionError as exc:
        raise NodeFailed(str(exc)) from exc
    return verdict


def run_loop(node: Node, env: NodeEnv) -> NodeResult:
    """Rounds share one pool, so loop variables carry from round to round."""
    count = int(node.data.get("loop_count") or 1)
    started = env.state.ctx.now()
    base = _base(node, env)
    labels = _loop_variables(node, env)
    inputs = {"loop_count": count}
    env.state.ctx.emit(
        "loop_started", {"data": {**base, "metadata": {"loop_length": count}, "inputs": inputs}}
    )
    rounds = 0
    try:
        for index in range(count):
            if _should_break(node, env):
                break
            env.state.ctx.emit(
                "loop_next", {"data": {**base, "index": index, "pre_loop_output": {}}}
            )
            child = env.child(node, index, env.pool)
            _walk_round(node, env, child)
            rounds += 1
            if child.loop_broken:
                break
    except NodeFailed:
        _completed(
            "loop",
            node,
            env,
            base,
            started,
            inputs=inputs,
            outputs=None,
            status="failed",
            error=None,
            steps=rounds + 1,
        )
        raise
    outputs = {label: env.pool.get([node.id, label]) for label in labels}
    _completed(
        "loop",
        node,
        env,
        base,
        started,
        inputs=inputs,
        outputs=outputs,
        status="succeeded",
        error=None,
        steps=rounds,
    )
    return NodeResult(inputs=inputs, outputs={**outputs, "loop_round": rounds})


def run_loop_end(node: Node, env: NodeEnv) -> NodeResult:
    env.loop_broken = True
    return NodeResult()
