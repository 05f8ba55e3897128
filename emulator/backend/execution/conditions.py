"""Dify's comparison operators (`core/workflow/utils/condition/processor.py`).

Used by if-else cases and loop break conditions. A missing actual value makes the
positive operators false (`contains`, `=`, `is`, …) and the negative ones true, as in
Dify; a number operator on something that is not a number fails the node with Dify's
reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from emulator.backend.execution.pool import VariablePool


class ConditionError(ValueError):
    pass


def _contains(actual: Any, expected: Any) -> bool:
    if not actual:
        return False
    if isinstance(actual, str):
        return str(expected) in actual
    return expected in actual if isinstance(actual, list | tuple | dict) else False


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError as exc:
        raise ConditionError(f"Invalid {what} value type: number ({value!r})") from exc


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def check(actual: Any, expected: Any) -> bool:
        if actual is None:
            return False
        return compare(_number(actual, "actual"), _number(expected, "expected"))

    return check


def _is(actual: Any, expected: Any) -> bool:
    if actual is None:
        return False
    if isinstance(actual, bool):
        return actual == _as_bool(expected)
    return str(actual) == str(expected)


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def _expected_list(expected: Any) -> list[Any]:
    if isinstance(expected, list):
        return expected
    if isinstance(expected, str):
        try:
            parsed = json.loads(expected)
        except ValueError:
            return [part.strip() for part in expected.split(",") if part.strip()]
        return parsed if isinstance(parsed, list) else [parsed]
    return [expected]


def _in(actual: Any, expected: Any) -> bool:
    return actual is not None and actual in _expected_list(expected)


def _all_of(actual: Any, expected: Any) -> bool:
    if not actual:
        return False
    return all(item in actual for item in _expected_list(expected))


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "contains": _contains,
    "not contains": lambda a, e: not _contains(a, e),
    "start with": lambda a, e: isinstance(a, str) and a.startswith(str(e)),
    "end with": lambda a, e: isinstance(a, str) and a.endswith(str(e)),
    "is": _is,
    "is not": lambda a, e: a is not None and not _is(a, e),
    "empty": lambda a, _e: not a,
    "not empty": lambda a, _e: bool(a),
    "in": _in,
    "not in": lambda a, e: not _in(a, e),
    "all of": _all_of,
    "=": _numeric(lambda a, e: a == e),
    "≠": _numeric(lambda a, e: a != e),
    ">": _numeric(lambda a, e: a > e),
    "<": _numeric(lambda a, e: a < e),
    "≥": _numeric(lambda a, e: a >= e),
    "≤": _numeric(lambda a, e: a <= e),
    "null": lambda a, _e: a is None,
    "not null": lambda a, _e: a is not None,
    "exists": lambda a, _e: a is not None,
    "not exists": lambda a, _e: a is None,
}
# The spellings older DSLs and the API use for the same operators.
OPERATORS.update(
    {"!=": OPERATORS["≠"], ">=": OPERATORS["≥"], "<=": OPERATORS["≤"], "==": OPERATORS["="]}
)


def evaluate_condition(condition: dict[str, Any], pool: VariablePool) -> bool:
    operator = str(condition.get("comparison_operator") or "")
    check = OPERATORS.get(operator)
    if check is None:
        raise ConditionError(f"Unsupported comparison operator: {operator}")
    actual = pool.get(condition.get("variable_selector"))
    expected = condition.get("value")
    if isinstance(expected, str):
        expected = pool.render(expected)
    return check(actual, expected)


def evaluate_all(
    conditions: Sequence[dict[str, Any]], logical_operator: str, pool: VariablePool
) -> tuple[bool, list[dict[str, Any]]]:
    """The verdict and each condition's result (Dify's process_data shape)."""
    results = []
    for condition in conditions:
        result = evaluate_condition(condition, pool)
        results.append(
            {
                "actual_value": pool.get(condition.get("variable_selector")),
                "expected_value": condition.get("value"),
                "comparison_operator": condition.get("comparison_operator"),
                "result": result,
            }
        )
    verdicts = [item["result"] for item in results]
    if (logical_operator or "and") == "or":
        return any(verdicts), results
    return all(verdicts), results
