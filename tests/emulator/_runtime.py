"""Shared pieces of the runtime tests: SSE reading, the demo inputs, test apps to run.

Runs go through the real executor unless a test asks for the `fake` fixture (see
tests/emulator/_fake_executor.py for the two behaviours only the stand-in has).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from tests.emulator._execution import edge, graph, node, start
from tests.emulator._fake_executor import FakeExecutor
from tests.emulator._helpers import DEV, TRIAGE
from tests.support.emulator import EmulatorHandle

# The Dev triage app's published version requires these two inputs (its start node).
TRIAGE_INPUTS = {"subject": "Refund", "body": "I was charged twice."}
ACTIONS = [{"id": "approve", "title": "Approve"}, {"id": "reject", "title": "Reject"}]


@pytest.fixture
def fake(emulator: EmulatorHandle) -> Iterator[FakeExecutor]:
    """The stand-in executor behind the session server's runs, for one test."""
    runs = emulator.server.emulator.backend.runs
    previous = runs.executor
    runs.executor = executor = FakeExecutor()
    try:
        yield executor
    finally:
        runs.executor = previous


def blocks(text: str) -> list[Any]:
    """The SSE blocks of a body: the JSON of each `data:` block, "ping" for keep-alives."""
    found: list[Any] = []
    for block in text.split("\n\n"):
        if not block:
            continue
        if block == "event: ping":
            found.append("ping")
            continue
        assert block.startswith("data: "), block
        assert "\n" not in block, block
        found.append(json.loads(block[len("data: ") :]))
    return found


def events(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return [b for b in blocks(response.text) if b != "ping"]


def names(found: list[dict[str, Any]]) -> list[str]:
    return [str(e["event"]) for e in found]


def run(api: httpx.Client, app_id: str, **body: Any) -> httpx.Response:
    body.setdefault("inputs", {})
    return api.post(f"/apps/{app_id}/run", json=body)


def run_triage(api: httpx.Client, **body: Any) -> httpx.Response:
    body["inputs"] = {**TRIAGE_INPUTS, **body.get("inputs", {})}
    return run(api, TRIAGE, **body)


def published_app(emulator: EmulatorHandle, api: httpx.Client, graph_: dict[str, Any]) -> str:
    """A new Dev workflow app with `graph_`, imported over HTTP and published."""
    data = yaml.safe_load(api.get(f"/apps/{TRIAGE}/export").json()["data"])
    data["app"]["name"] = "Runtime test"
    data["workflow"]["graph"] = graph_
    data["workflow"]["environment_variables"] = []
    text = yaml.dump(data, allow_unicode=True)
    imported = api.post(
        f"/workspaces/{DEV}/apps/imports", json={"mode": "yaml-content", "yaml_content": text}
    )
    assert imported.json()["status"] == "completed", imported.text
    app_id = str(imported.json()["app_id"])
    emulator.admin.publish(app_id)
    return app_id


def _end(node_id: str, **outputs: list[str]) -> dict[str, Any]:
    selectors = [{"variable": name, "value_selector": sel} for name, sel in outputs.items()]
    return node(node_id, "end", outputs=selectors)


def branch_graph() -> dict[str, Any]:
    """start.priority = "urgent" → end `page`, anything else → end `queue`."""
    condition = {
        "variable_selector": ["start", "priority"],
        "comparison_operator": "is",
        "value": "urgent",
    }
    cases = [{"case_id": "true", "logical_operator": "and", "conditions": [condition]}]
    return graph(
        [
            start("priority"),
            node("if", "if-else", title="Urgent?", cases=cases),
            _end("page", route=["start", "priority"]),
            _end("queue", queued=["start", "priority"]),
        ],
        [edge("start", "if"), edge("if", "page", "true"), edge("if", "queue", "false")],
    )  # fmt: skip


def human_graph() -> dict[str, Any]:
    """start → a review form (approve/reject, one `note` field) → one end per action."""
    field = {"type": "paragraph", "output_variable_name": "note"}
    return graph(
        [
            start("word"),
            node(
                "review", "human-input", title="Review",
                form_content="Please review {{#start.word#}}: {{#$output.note#}}",
                user_actions=ACTIONS, inputs=[field], timeout=1, timeout_unit="hour",
            ),
            _end("yes", note=["review", "note"]),
            _end("no", action=["review", "action_id"]),
        ],
        [edge("start", "review"), edge("review", "yes", "approve"), edge("review", "no", "reject")],
    )  # fmt: skip


def wait_finished(api: httpx.Client, app_id: str, run_id: str, timeout: float = 3.0) -> Any:
    """The single `workflow_finished` a finished run's reconnect answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = events(api.get(f"/apps/{app_id}/tasks/{run_id}/events"))
        if names(found) == ["workflow_finished"]:
            return found[0]
        time.sleep(0.005)
    raise AssertionError("run did not finish")
