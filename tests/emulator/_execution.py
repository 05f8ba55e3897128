"""A fake RunContext and small graph builders for the executor's unit tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator.backend.execution import (
    FormRequest,
    FormSubmission,
    RunOutcome,
    ScriptedResponse,
    ScriptQuery,
    run_workflow,
)


@dataclass
class FakeContext:
    scripts: dict[str, ScriptedResponse] = field(default_factory=dict)  # node id or title
    forms: list[FormSubmission | None] = field(default_factory=list)
    stop_after_nodes: int | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    queries: list[ScriptQuery] = field(default_factory=list)
    requested_forms: list[FormRequest] = field(default_factory=list)
    clock: float = 1_700_000_000.0

    def emit(self, event: str, data: dict[str, Any]) -> None:
        self.events.append((event, data))

    def stopped(self) -> bool:
        if self.stop_after_nodes is None:
            return False
        return len(self.named("node_finished")) >= self.stop_after_nodes

    def wait_for_form(self, form: FormRequest) -> FormSubmission | None:
        self.requested_forms.append(form)
        return self.forms.pop(0) if self.forms else None

    def script(self, query: ScriptQuery) -> ScriptedResponse | None:
        self.queries.append(query)
        return self.scripts.get(query.node_id) or self.scripts.get(query.node_title)

    def now(self) -> float:
        self.clock += 0.25
        return self.clock

    # --- reading what was emitted ---
    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def named(self, event: str) -> list[dict[str, Any]]:
        return [data for name, data in self.events if name == event]

    def finished(self) -> dict[str, Any]:
        (finished,) = self.named("workflow_finished")
        return finished["data"]

    def trail(self) -> list[tuple[str, str]]:
        return [(e["data"]["node_id"], e["data"]["status"]) for e in self.named("node_finished")]


def counter_ids() -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"id-{next(numbers)}"


def node(node_id: str, node_type: str, parent: str | None = None, **data: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": node_id,
        "type": "custom",
        "data": {"type": node_type, "title": data.pop("title", node_id.title()), **data},
    }
    if parent:
        raw["parentId"] = parent
    return raw


def edge(source: str, target: str, handle: str = "source") -> dict[str, Any]:
    return {
        "id": f"{source}-{handle}-{target}",
        "source": source,
        "target": target,
        "sourceHandle": handle,
        "targetHandle": "target",
    }


def graph(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {"nodes": nodes, "edges": edges}


def start(*names: str, required: bool = False) -> dict[str, Any]:
    variables = [{"variable": name, "type": "text-input", "required": required} for name in names]
    return node("start", "start", variables=variables)


def end(**outputs: list[str]) -> dict[str, Any]:
    return node(
        "end",
        "end",
        outputs=[{"variable": name, "value_selector": sel} for name, sel in outputs.items()],
    )


def run(
    graph_: dict[str, Any], ctx: FakeContext | None = None, **kwargs: Any
) -> tuple[RunOutcome, FakeContext]:
    ctx = ctx or FakeContext()
    arguments: dict[str, Any] = {
        "inputs": {},
        "query": None,
        "files": None,
        "conversation_id": None,
        "app_id": "app-1",
        "workflow_id": "wf-1",
        "run_id": "run-1",
        "new_id": counter_ids(),
    }
    arguments.update(kwargs)
    return run_workflow(graph_, ctx=ctx, **arguments), ctx
