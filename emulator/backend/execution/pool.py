"""The variable pool: node outputs, `sys.*`, `env.*`, `conversation.*`, by selector.

A selector is Dify's `value_selector`: a node id (or namespace) then a variable name, then
optional keys into an object value. `{{#node.var#}}` in text resolves the same selector and
renders the value as Dify's segments do (strings as is, objects as JSON).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

# Dify's VARIABLE_PATTERN: a node id, then one to ten dotted names.
SELECTOR_PATTERN = re.compile(
    r"\{\{#([a-zA-Z0-9_]{1,50}(?:\.[a-zA-Z_][a-zA-Z0-9_]{0,29}){1,10})#\}\}"
)
MISSING = object()


class VariablePool:
    def __init__(self) -> None:
        self._values: dict[str, dict[str, Any]] = {}

    def add(self, owner: str, name: str, value: Any) -> None:
        self._values.setdefault(owner, {})[name] = value

    def add_all(self, owner: str, values: dict[str, Any]) -> None:
        for name, value in values.items():
            self.add(owner, name, value)

    def namespace(self, owner: str) -> dict[str, Any]:
        return dict(self._values.get(owner, {}))

    def get(self, selector: Sequence[Any] | None, default: Any = None) -> Any:
        found = self.lookup(selector)
        return default if found is MISSING else found

    def lookup(self, selector: Sequence[Any] | None) -> Any:
        """The value, or MISSING (a None value is a value)."""
        if not isinstance(selector, list | tuple) or len(selector) < 2:
            return MISSING
        owner, name, *keys = (str(part) for part in selector)
        scope = self._values.get(owner, {})
        if name not in scope:
            return MISSING
        value = scope[name]
        for key in keys:
            if isinstance(value, dict) and key in value:
                value = value[key]
            else:
                return MISSING
        return value

    def render(self, template: str) -> str:
        """`{{#a.b#}}` replaced by the value's text; unknown selectors render empty."""

        def text_of(match: re.Match[str]) -> str:
            return as_text(self.get(match.group(1).split(".")))

        return SELECTOR_PATTERN.sub(text_of, template or "")

    def copy(self) -> VariablePool:
        clone = VariablePool()
        clone._values = {owner: dict(scope) for owner, scope in self._values.items()}
        return clone


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def default_of(value_type: str | None) -> Any:
    """The zero value of a declared output type (code, extractor, loop variables)."""
    kind = (value_type or "string").lower()
    if kind.startswith("array"):
        return []
    return {
        "number": 0,
        "integer": 0,
        "float": 0.0,
        "boolean": False,
        "bool": False,
        "object": {},
    }.get(kind, "")
