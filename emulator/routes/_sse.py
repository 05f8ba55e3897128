"""Dify's SSE framing for the run stream and the events reconnect.

One `data: <json>\\n\\n` block per event, a bare `event: ping\\n\\n` keep-alive when
nothing happened for `sse_ping_interval_s` (Dify: ~10 s). A stream follows its task's
buffer from a start index: the run stream from its first event, a reconnect from the
first buffered event (the replay). It ends after the task is done and every event was
sent, or at a `workflow_paused` that is the newest event when `stop_at_pause` (Dify
closes a stream at a pause unless `continue_on_pause`). The stream faults of
`emulator.faults` (drop, slow, error) apply here.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import StreamingResponse

from emulator.backend.runs import PAUSE_EVENT, RunTask
from emulator.faults import ActiveFault
from emulator.routes._common import emulator_of, route_key_of

PING = b"event: ping\n\n"
# A reader's thread never waits longer than this at once, so a closed client frees it soon.
MAX_WAIT_S = 0.25
SSE_HEADERS = {"Cache-Control": "no-cache", "Connection": "keep-alive"}


def frame(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False, default=str)}\n\n".encode()


def sse_response(body: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(body, media_type="text/event-stream", headers=SSE_HEADERS)


def single_event(payload: dict[str, Any]) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        yield frame(payload)

    return sse_response(body())


class _StreamFaults:
    def __init__(self, request: Request) -> None:
        faults = emulator_of(request).faults
        key, path = route_key_of(request), request.url.path
        self.drop = faults.take("stream_drop", key, path)
        self.slow = faults.take("stream_slow", key, path)
        self.error = faults.take("stream_error", key, path)
        abort: Callable[[], bool] | None = request.scope.get("state", {}).get("abort_connection")
        self.abort = abort

    @staticmethod
    def due(fault: ActiveFault | None, sent: int) -> bool:
        return fault is not None and sent >= fault.spec.after_events


def task_stream(request: Request, task: RunTask, *, stop_at_pause: bool) -> StreamingResponse:
    return sse_response(_follow(request, task, stop_at_pause))


async def _follow(request: Request, task: RunTask, stop_at_pause: bool) -> AsyncIterator[bytes]:
    emulator = emulator_of(request)
    settings = emulator.settings
    faults = _StreamFaults(request)
    index = sent = 0
    last_output = time.monotonic()
    while True:
        interval = settings.current().sse_ping_interval_s
        wait = min(MAX_WAIT_S, max(interval - (time.monotonic() - last_output), 0.0))
        events, done = await anyio.to_thread.run_sync(task.read, index, wait)
        if not events:
            if done:
                return
            if time.monotonic() - last_output >= interval:
                last_output = time.monotonic()
                yield PING
            continue
        for payload in events:
            index += 1
            if faults.due(faults.drop, sent):
                if faults.abort is not None:
                    faults.abort()
                    await asyncio.sleep(0)
                return
            if faults.due(faults.error, sent):
                yield frame(_fault_error(task))
                return
            if faults.slow is not None:
                await emulator.stream_sleep(faults.slow.spec.latency_ms / 1000)
            yield frame(payload)
            sent += 1
            last_output = time.monotonic()
            if stop_at_pause and payload.get("event") == PAUSE_EVENT and index >= task.size():
                return


def _fault_error(task: RunTask) -> dict[str, Any]:
    payload: dict[str, Any] = {"event": "error", "task_id": task.task_id}
    if task.workflow_run_id:
        payload["workflow_run_id"] = task.workflow_run_id
    payload.update(status=500, code="internal_server_error", message="Internal Server Error")
    return payload
