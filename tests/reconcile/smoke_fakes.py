"""Fakes for smoke tests: a run result shaped like dify_client's RunResult (the fields
reconcile.smoke.result.RunOutcomeLike reads) and an AppRunner that answers from a script."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconcile.smoke.ports import RunError


@dataclass(frozen=True)
class FakeNode:
    node_id: str
    node_type: str | None = "llm"
    title: str | None = None
    status: str | None = "succeeded"
    error: str | None = None


@dataclass(frozen=True)
class FakeResult:
    status: str = "succeeded"
    outputs: dict[str, Any] = field(default_factory=dict)
    answer: str | None = None
    total_tokens: int | None = 10
    elapsed_time: float | None = 0.5
    error: str | None = None
    run_id: str | None = "run-1"
    nodes: list[FakeNode] = field(default_factory=list)


@dataclass(frozen=True)
class Call:
    app_id: str
    inputs: Mapping[str, Any]
    query: str | None


Answer = FakeResult | RunError | Callable[[Call], FakeResult]


@dataclass
class FakeRunner:
    """Answers every run with `answer` (or, per app id, `by_app`); raises a RunError
    when that is the answer. Records each call."""

    answer: Answer = field(default_factory=FakeResult)
    by_app: dict[str, Answer] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def run(self, app_id: str, *, inputs: Mapping[str, Any], query: str | None) -> FakeResult:
        call = Call(app_id, dict(inputs), query)
        self.calls.append(call)
        answer = self.by_app.get(app_id, self.answer)
        if isinstance(answer, RunError):
            raise answer
        return answer(call) if callable(answer) else answer
