"""if-else: the first case that holds picks its `case_id` handle, else "false"."""

from __future__ import annotations

from typing import Any

from emulator.backend.execution.conditions import ConditionError, evaluate_all
from emulator.backend.execution.graph import Node
from emulator.backend.execution.nodes.base import NodeEnv, NodeFailed, NodeResult


def cases_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Cases, or the pre-0.1.x single condition list (whose handle is "true")."""
    cases = data.get("cases")
    if isinstance(cases, list) and cases:
        return [case for case in cases if isinstance(case, dict)]
    return [
        {
            "case_id": "true",
            "logical_operator": data.get("logical_operator") or "and",
            "conditions": data.get("conditions") or [],
        }
    ]


def run_if_else(node: Node, env: NodeEnv) -> NodeResult:
    results: list[dict[str, Any]] = []
    selected: str | None = None
    try:
        for case in cases_of(node.data):
            verdict, checked = evaluate_all(
                case.get("conditions") or [], str(case.get("logical_operator") or "and"), env.pool
            )
            results.extend(checked)
            if verdict:
                selected = str(case.get("case_id") or "true")
                break
    except ConditionError as exc:
        raise NodeFailed(str(exc)) from exc
    return NodeResult(
        inputs={"conditions": results},
        outputs={"result": selected is not None, "selected_case_id": selected or "false"},
        process_data={"condition_results": results},
        handle=selected or "false",
    )
