"""SSE bodies for run tests: Dify's framing, a workflow run's events, a broken stream."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

APP = "3f8e3c1e-0000-4000-8000-000000000001"
RUN = "9d2b0a4c-0000-4000-8000-0000000000aa"
TASK = "task-1"
CONVERSATION = "5b1f9c2e-0000-4000-8000-0000000000cc"


def frame(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


PING = b"event: ping\n\n"


def wf(event: str, data: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"event": event, "task_id": TASK, "workflow_run_id": RUN, **extra}
    if data is not None:
        payload["data"] = data
    return payload


STARTED = wf("workflow_started", {"id": RUN, "workflow_id": "wf-1", "inputs": {}})
NODE_A_START = wf(
    "node_started", {"id": "exec-a", "node_id": "start", "node_type": "start", "title": "Start"}
)
NODE_A_END = wf(
    "node_finished",
    {
        "id": "exec-a",
        "node_id": "start",
        "node_type": "start",
        "title": "Start",
        "status": "succeeded",
        "elapsed_time": 0.25,
    },
)
NODE_B_START = wf(
    "node_started", {"id": "exec-b", "node_id": "llm", "node_type": "llm", "title": "LLM"}
)
NODE_B_END = wf(
    "node_finished",
    {
        "id": "exec-b",
        "node_id": "llm",
        "node_type": "llm",
        "title": "LLM",
        "status": "succeeded",
        "elapsed_time": 1.5,
    },
)
FINISHED = wf(
    "workflow_finished",
    {
        "id": RUN,
        "status": "succeeded",
        "outputs": {"answer": "hello world"},
        "error": None,
        "elapsed_time": 2.0,
        "total_tokens": 42,
        "total_steps": 2,
    },
)


def chunk(text: str) -> dict[str, Any]:
    return wf("text_chunk", {"text": text})


class Broken(httpx.SyncByteStream):
    """A body that sends some bytes, then breaks as a dropped connection does."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        yield self.body
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


def sse(*frames: dict[str, Any] | bytes, broken: bool = False, status: int = 200) -> httpx.Response:
    body = b"".join(f if isinstance(f, bytes) else frame(f) for f in frames)
    headers = {"content-type": "text/event-stream"}
    if broken:
        return httpx.Response(status, headers=headers, stream=Broken(body))
    return httpx.Response(status, headers=headers, content=body)


def body_of(request: httpx.Request) -> dict[str, Any]:
    return json.loads(request.content)  # type: ignore[no-any-return]
