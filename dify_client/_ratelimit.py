"""Client-side request pacing, so a job stays under the server's per-token limit.

Real Dify allows 60 requests per minute per token (contract §1.6). A nightly backup that
exported as fast as it could would spend most of its time in 429 back-offs; pacing at the
client keeps every request useful. Thread-safe: the backup fans exports out over threads
that share one client.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import deque
from collections.abc import Callable

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

    def acquire(self, on_wait: Callable[[float], None] | None = None) -> None:
        """Wait until a request may start (`on_wait` is told each wait's length first)."""
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
            if on_wait is not None:
                on_wait(wait)
            self._clock.sleep(wait)


_shared: weakref.WeakValueDictionary[tuple[str, str, int, int], RequestRateLimiter] = (
    weakref.WeakValueDictionary()
)
_shared_lock = threading.Lock()


def shared_limiter(
    base_url: str, token: str | None, requests: int, *, clock: Clock
) -> RequestRateLimiter:
    """The limiter of everyone using this token on this server in this process.

    Dify counts its limit per token, so two clients with the same token (a promotion's
    source and target on one server, say) must share one budget, or together they would
    send twice the rate the server allows.
    """
    token_key = hashlib.sha256((token or "").encode("utf-8")).hexdigest()
    key = (base_url, token_key, requests, id(clock))
    with _shared_lock:
        limiter = _shared.get(key)
        if limiter is None:
            limiter = RequestRateLimiter(requests, clock=clock)
            _shared[key] = limiter
        return limiter
