"""Named fault scenarios switched on through `POST /_emulator/faults`.

Scenarios (each optionally limited to a route template such as
`"GET /apps/{app_id}/export"`, to paths containing a string such as an app id, to a
number of `times`, and/or to a `rate` in 0..1 drawn from a seeded RNG; `after` lets
that many matching requests through first, as a server that goes away mid-run):

* `server_error` — answer `status` (500, 502 or 503) with the ErrorBody Dify would send
  (`Internal Server Error`; code internal_server_error / bad_gateway / unknown);
* `rate_limit` — answer 429 with the S2 bearer body `{"error": "rate_limited",
  "retry_after_ms": …}` and `Retry-After: <retry_after>` seconds;
* `latency` — delay the answer by `latency_ms` (the request is then served normally);
* `drop_connection` — close the TCP connection without sending any response: an httpx
  client sees `httpx.RemoteProtocolError("Server disconnected without sending a
  response.")` (the request may or may not have been processed: it is dropped before
  the application runs, so nothing was);
* `drop_after_write` — serve the request (a write is applied and stored), then close the
  TCP connection without sending the response: the client sees the same
  `httpx.RemoteProtocolError` as under `drop_connection`, but this time the server did
  the work (a proxy or server dying between commit and reply);
* `expire_pending_imports` — pending imports expire at once (a later confirm answers
  400 "Import information expired or does not exist");
* `tamper_import` — a successful import or confirm stores something semantically
  different from what was sent (first LLM prompt or node title, or the model config's
  pre-prompt), so verifying by export shows a mismatch.

* `stream_drop` — an SSE stream (run or events reconnect) is cut after `after_events`
  events: the connection closes mid-body, as a proxy dropping it would;
* `stream_slow` — every SSE event of the stream is delayed by `latency_ms`;
* `stream_error` — after `after_events` events the stream sends Dify's `error` event
  (`internal_server_error`, status 500) and ends.

HTTP-level scenarios only apply under `/openapi/v1`; the admin API and the `/device`
page are never faulted.
"""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Scenario = Literal[
    "server_error",
    "rate_limit",
    "latency",
    "drop_connection",
    "drop_after_write",
    "expire_pending_imports",
    "tamper_import",
    "stream_drop",
    "stream_slow",
    "stream_error",
]
SCENARIOS: tuple[str, ...] = get_args(Scenario)
HTTP_SCENARIOS = ("drop_connection", "rate_limit", "server_error")
STREAM_SCENARIOS = ("stream_drop", "stream_slow", "stream_error")
DEFAULT_SEED = 0


class FaultSpec(BaseModel):
    """Body of `POST /_emulator/faults`."""

    model_config = ConfigDict(extra="forbid")

    scenario: Scenario
    route: str | None = Field(None, description='e.g. "GET /apps/{app_id}/export"')
    path_contains: str | None = None
    times: int | None = Field(None, ge=1)
    after: int = Field(0, ge=0, description="let this many matching requests through first")
    rate: float | None = Field(None, ge=0.0, le=1.0)
    status: Literal[500, 502, 503] = 500
    retry_after: int = Field(1, ge=0, le=3600)
    latency_ms: int = Field(200, ge=0, le=120_000)
    seed: int | None = Field(None, description="reseed the fault RNG (rate draws)")
    after_events: int = Field(1, ge=0, description="stream_drop / stream_error: events first")


@dataclass
class ActiveFault:
    id: int
    spec: FaultSpec
    remaining: int | None
    fired: int = 0
    passed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def matches(self, route_key: str, path: str) -> bool:
        if self.spec.route is not None and self.spec.route != route_key:
            return False
        return self.spec.path_contains is None or self.spec.path_contains in path

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.spec.model_dump(exclude={"seed"}),
            "remaining": self.remaining,
            "fired": self.fired,
        }


class FaultRegistry:
    def __init__(self) -> None:
        self._faults: list[ActiveFault] = []
        self._ids = itertools.count(1)
        self._rng = random.Random(DEFAULT_SEED)  # deterministic, not for secrets
        self._lock = threading.Lock()

    def add(self, spec: FaultSpec) -> ActiveFault:
        with self._lock:
            if spec.seed is not None:
                self._rng.seed(spec.seed)
            fault = ActiveFault(id=next(self._ids), spec=spec, remaining=spec.times)
            self._faults.append(fault)
            return fault

    def active(self) -> list[ActiveFault]:
        with self._lock:
            return list(self._faults)

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._ids = itertools.count(1)
            self._rng.seed(DEFAULT_SEED)

    def take(
        self, scenarios: str | tuple[str, ...], route_key: str, path: str
    ) -> ActiveFault | None:
        """The first matching fault of the given scenario(s) that fires now, consuming one use."""
        wanted = (scenarios,) if isinstance(scenarios, str) else scenarios
        with self._lock:
            for fault in self._faults:
                if fault.spec.scenario not in wanted or not fault.matches(route_key, path):
                    continue
                if fault.passed < fault.spec.after:
                    fault.passed += 1
                    continue
                if fault.spec.rate is not None and self._rng.random() >= fault.spec.rate:
                    continue
                fault.fired += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
            return None
