"""Client-side request pacing, so a job stays under the server's per-token limit.

Real Dify allows 60 requests per minute per token (contract §1.6). A nightly backup that
exported as fast as it could would spend most of its time in 429 back-offs; pacing at the
client keeps every request useful. Thread-safe: the backup fans exports out over threads
that share one client.
"""

from __future__ import annotations

import threading
from collections import deque

from dify_client._clock import Clock


class RequestRateLimiter:
    """A sliding window: at most `requests` starts in any `period` seconds."""

    def __init__(self, requests: int, *, period: float = 60.0, clock: Clock) -> None:
        if requests < 1:
            raise ValueError("a rate limit needs at least one request per period")
        self.requests = requests
        self.period = period
        self._clock = clock
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock.monotonic()
                while self._starts and now - self._starts[0] >= self.period:
                    self._starts.popleft()
                if len(self._starts) < self.requests:
                    self._starts.append(now)
                    return
                wait = self._starts[0] + self.period - now
            self.waited += wait
            self._clock.sleep(wait)
