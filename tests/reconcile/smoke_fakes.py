"""Helpers for smoke tests: run results (the client's RunResult, with test defaults) and
an AppRunner that answers from a script."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dify_client.models import NodeTrail, RunResult
from reconcile.smoke.ports import RunError


# Named as the values they build, as the dataclass fakes they replace were.
def FakeNode(
    node_id: str,
    node_type: str | None = "llm",
    title: str | None = None,
    status: str = "succeeded",
    error: str | None = None,
) -> NodeTrail:
    return NodeTrail(node_id=node_id, node_type=node_type, title=title, status=status, error=error)


def FakeResult(**fields: Any) -> RunResult:
    defaults: dict[str, Any] = {
        "status": "succeeded",
        "total_tokens": 10,
        "elapsed_time": 0.5,
        "run_id": "run-1",
    }
    return RunResult(**{**defaults, **fields})


@dataclass(frozen=True)
class Call:
    app_id: str
    inputs: Mapping[str, Any]
    query: str | None


Answer = RunResult | RunError | Callable[[Call], RunResult]


@dataclass
class FakeRunner:
    """Answers every run with `answer` (or, per app id, `by_app`); raises a RunError
    when that is the answer. Records each call."""

    answer: Answer = field(default_factory=FakeResult)
    by_app: dict[str, Answer] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def run(self, app_id: str, *, inputs: Mapping[str, Any], query: str | None) -> RunResult:
        call = Call(app_id, dict(inputs), query)
        self.calls.append(call)
        answer = self.by_app.get(app_id, self.answer)
        if isinstance(answer, RunError):
            raise answer
        return answer(call) if callable(answer) else answer
