"""Shared pieces of the runtime-surface tests: the stub executor fixture and SSE reading."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.emulator._fake_executor import FakeExecutor
from tests.support.emulator import EmulatorHandle


@pytest.fixture
def fake(emulator: EmulatorHandle) -> Iterator[FakeExecutor]:
    """The stub executor behind the session server's runs, for one test."""
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
