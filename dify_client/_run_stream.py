"""`RunStream`: the typed events of one run, resumed over `tasks/{run_id}/events` if dropped.

Dify frames each event as `data: <json>` plus bare `event: ping` keep-alives; httpx-sse
decodes the framing. A stream that closes (or breaks) before the run's last event is
resumed through the events endpoint, which replays the run's buffered events from the
start: events the caller already saw are recognised and skipped (see `_Seen`).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Generator, Iterator
from types import TracebackType
from typing import Any, Self

import httpx
from httpx_sse import EventSource, SSEError

from dify_client._clock import Clock
from dify_client._errors import DifyConnectionError, ResponseValidationError, RunFailed
from dify_client._retry import RetryPolicy
from dify_client._run_result import ResultBuilder
from dify_client.models.runs import ErrorEvent, Ping, RunEvent, RunResult, parse_event

# A stream that drops this many times in a row without a new event is given up on.
MAX_RESUMES_WITHOUT_PROGRESS = 3

Reconnect = Callable[[str], httpx.Response]


class _Seen:
    """Which events the caller already had, told apart in flat memory however long the run.

    The events endpoint replays a run's buffered events from the start, in the order they
    were first sent (contract §2.5): such a replay (it opens with `workflow_started`)
    repeats exactly the first `yielded` events, pings aside, so those are skipped by count
    — two equal text chunks are told apart by position. A reconnect that does not start
    from the beginning (a server that resumes from a state snapshot) can only overlap the
    last events seen: those are recognised by identity among the most recent few.
    """

    RECENT = 64

    def __init__(self) -> None:
        self._yielded = 0
        self._skip = 0
        self._overlap: bool | None = None  # None: first connection, or mode not known yet
        self._first_connection = True
        self._recent: deque[dict[str, Any]] = deque(maxlen=self.RECENT)

    def reconnected(self) -> None:
        self._first_connection = False
        self._overlap = None
        self._skip = self._yielded

    def is_new(self, event: RunEvent) -> bool:
        if type(event) is Ping:
            return True
        if not self._first_connection:
            if self._overlap is None:
                self._overlap = event.event != "workflow_started"
            if self._overlap and event.raw in self._recent:
                return False
            if not self._overlap and self._skip:
                self._skip -= 1
                return False
        self._yielded += 1
        self._recent.append(event.raw)
        return True


def read_events(response: httpx.Response) -> Iterator[RunEvent]:
    """Typed events of one SSE response (transport errors propagate)."""
    try:
        source = EventSource(response).iter_sse()
        for sse in source:
            if not sse.data:
                if sse.event == "ping":
                    yield Ping(event="ping", raw={"event": "ping"})
                continue
            try:
                payload = json.loads(sse.data)
            except json.JSONDecodeError as exc:
                raise ResponseValidationError(
                    f"an SSE event that is not JSON: {sse.data[:120]!r}"
                ) from exc
            if not isinstance(payload, dict):
                raise ResponseValidationError(f"an SSE event that is not an object: {payload!r}")
            if not isinstance(payload.get("event"), str):
                payload = {**payload, "event": sse.event}
            yield parse_event(payload)
    except SSEError as exc:
        raise ResponseValidationError(f"expected an event stream: {exc}") from exc


class RunStream:
    """Events of a run: iterate it (or use `result()`), inside `with` or to the end.

    An `error` event ends the iteration with `RunFailed`. `task_id` (for `stop`) and
    `run_id` are known once the first events arrived.
    """

    def __init__(
        self,
        response: httpx.Response,
        *,
        reconnect: Reconnect | None,
        clock: Clock,
        retry: RetryPolicy,
        close_on_pause: bool = True,
        run_id: str | None = None,
    ) -> None:
        self._response = response
        self._reconnect = reconnect
        self._clock = clock
        self._retry = retry
        self._seen = _Seen()
        self._result = ResultBuilder(close_on_pause=close_on_pause, run_id=run_id)
        self._iterator = self._events()

    @property
    def task_id(self) -> str | None:
        return self._result.task_id

    @property
    def run_id(self) -> str | None:
        return self._result.run_id

    def __iter__(self) -> Iterator[RunEvent]:
        return self

    def __next__(self) -> RunEvent:
        return next(self._iterator)

    def result(self) -> RunResult:
        """Consume the rest of the stream and say what the run came to."""
        for _ in self:
            pass
        return self._result.build()

    def close(self) -> None:
        self._iterator.close()
        self._response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RunStream(task_id={self.task_id!r}, run_id={self.run_id!r})"

    # Long for the loop's shape (read, detect the drop, resume); its steps are helpers.
    def _events(self) -> Generator[RunEvent, None, None]:
        response = self._response
        drops = 0
        while True:
            progressed = False
            reason = "the server closed the stream before the run ended"
            try:
                for event in read_events(response):
                    if not self._seen.is_new(event):
                        continue
                    progressed = progressed or not isinstance(event, Ping)
                    self._result.add(event)
                    if isinstance(event, ErrorEvent):
                        raise self._failed(event)
                    yield event
            except httpx.TransportError as exc:
                reason = f"the stream broke ({type(exc).__name__})"
            finally:
                response.close()
            if self._result.finished:
                return
            drops = 0 if progressed else drops + 1
            response = self._resume(reason, drops)
            self._response = response
            self._seen.reconnected()

    def _resume(self, reason: str, drops: int) -> httpx.Response:
        run_id = self._result.run_id
        if self._reconnect is None or run_id is None:
            raise DifyConnectionError(
                f"{reason}; it cannot be resumed (only workflow and chatflow runs can, "
                "once their run id is known)"
            )
        if drops >= MAX_RESUMES_WITHOUT_PROGRESS:
            raise DifyConnectionError(f"{reason}; gave up after {drops} resumes without events")
        if drops:
            self._clock.sleep(self._retry.backoff(drops))
        return self._reconnect(run_id)

    def _failed(self, event: ErrorEvent) -> RunFailed:
        return RunFailed(
            event.message or "the run failed",
            code=event.code,
            status=event.status,
            task_id=event.task_id or self._result.task_id,
            run_id=self._result.run_id,
            result=self._result.build(),
        )


__all__ = ["RunStream", "read_events"]
