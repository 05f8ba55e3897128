"""The variable assigner (`assigner`): v1 (one write_mode) and v2 (a list of items).

Targets are conversation variables (or a loop's variables inside a loop); the new value
goes back into the pool so later nodes and the run's outcome see it.
"""

from __future__ import annotations

from typing import Any

from emulator.backend.execution.graph import Node
from emulator.backend.execution.nodes.base import NodeEnv, NodeFailed, NodeResult


def run_assigner(node: Node, env: NodeEnv) -> NodeResult:
    data = node.data
    if str(data.get("version") or "1") == "1" and "items" not in data:
        items = [
            {
                "variable_selector": data.get("assigned_variable_selector"),
                "operation": data.get("write_mode") or "over-write",
                "input_type": "variable",
                "value": data.get("input_variable_selector"),
            }
        ]
    else:
        items = [item for item in data.get("items") or [] if isinstance(item, dict)]
    updated = []
    for item in items:
        raw_selector = item.get("variable_selector")
        selector = [str(part) for part in raw_selector or []]
        if not isinstance(raw_selector, list) or len(selector) < 2:
            raise NodeFailed("variable selector is required for the assigner")
        current = env.pool.get(selector)
        if item.get("input_type") == "constant" or not isinstance(item.get("value"), list):
            operand = item.get("value")
        else:
            operand = env.pool.get(item.get("value"))
        new_value = apply(str(item.get("operation") or "over-write"), current, operand)
        env.pool.add(selector[0], selector[1], new_value)
        updated.append({"selector": selector, "value": new_value})
    return NodeResult(
        inputs={},
        outputs={},
        process_data={"updated_variables": updated},
    )


def apply(operation: str, current: Any, operand: Any) -> Any:
    if operation in ("over-write", "set"):
        return operand
    if operation == "clear":
        return _empty_like(current)
    if operation == "append":
        return [*(current or []), operand]
    if operation == "extend":
        return [*(current or []), *(operand or [])]
    if operation == "remove-first":
        return list(current or [])[1:]
    if operation == "remove-last":
        return list(current or [])[:-1]
    arithmetic = {
        "+=": lambda a, b: a + b,
        "-=": lambda a, b: a - b,
        "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b,
    }
    if operation in arithmetic:
        try:
            return arithmetic[operation](current or 0, operand or 0)
        except (TypeError, ZeroDivisionError) as exc:
            raise NodeFailed(f"cannot apply {operation}: {exc}") from exc
    raise NodeFailed(f"Unsupported operation: {operation}")


def _empty_like(value: Any) -> Any:
    if isinstance(value, list):
        return []
    if isinstance(value, dict):
        return {}
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return 0
    return ""
