"""Scripted responses for the nodes that would reach outside (llm, code, http, tools…).

The operator API stores rules; the executor asks through `RunContext.script(query)`.
A rule matches when every criterion it sets matches: the app, the node (by id or by
title) and a substring of the rendered prompt. The first matching rule wins (the most
recently added first, so a test can override a broader rule); no match is None, which
the executor answers by echoing the rendered prompt.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from emulator.backend.execution import ScriptedResponse, ScriptQuery


class ScriptRule(BaseModel):
    """Body of `POST /_emulator/scripts`: match criteria plus the ScriptedResponse fields."""

    model_config = ConfigDict(extra="forbid")

    app_id: str | None = None
    node: str | None = Field(None, description="a node id or a node title")
    prompt_contains: str | None = None
    outputs: dict[str, Any] | None = None
    text: str | None = None
    error: str | None = None
    tokens: int | None = Field(None, ge=0)
    delay_s: float | None = Field(
        None, ge=0, description="seconds the node takes, waited for real (a stop cuts it short)"
    )

    def matches(self, query: ScriptQuery, app_id: str) -> bool:
        if self.app_id is not None and self.app_id != (query.app_id or app_id):
            return False
        if self.node is not None and self.node not in (query.node_id, query.node_title):
            return False
        return self.prompt_contains is None or self.prompt_contains in query.prompt

    def response(self) -> ScriptedResponse:
        return ScriptedResponse(
            outputs=self.outputs,
            text=self.text,
            error=self.error,
            tokens=self.tokens,
            delay_s=self.delay_s,
        )


class ScriptRegistry:
    def __init__(self) -> None:
        self._rules: dict[int, ScriptRule] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, rule: ScriptRule) -> int:
        with self._lock:
            rule_id = next(self._ids)
            self._rules[rule_id] = rule
            return rule_id

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            return self._rules.pop(rule_id, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._ids = itertools.count(1)

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"id": i, **r.model_dump()} for i, r in self._rules.items()]

    def match(self, query: ScriptQuery, app_id: str) -> ScriptRule | None:
        """The newest rule matching `query`; `app_id` is the run's app, for a query
        whose own `app_id` is empty."""
        with self._lock:
            rules = sorted(self._rules.items(), reverse=True)
        return next((rule for _id, rule in rules if rule.matches(query, app_id)), None)
