"""Sliding-window limiters on the emulator clock (contract §1.6)."""

from __future__ import annotations

import threading
from collections import deque

from emulator.clock import Clock


class SlidingWindowLimiter:
    """At most `limit` hits per `window` seconds per key; refused hits are not counted."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, *, limit: int, window: float) -> float | None:
        """Record a hit; return None when allowed, else the seconds until one is allowed."""
        if limit <= 0:
            return None
        now = self._clock.now()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return max(hits[0] + window - now, 0.001)
            hits.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
