"""Time as an injectable dependency, so retry, rate-limit and polling code never sleeps in tests."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for intervals and deadlines)."""

    def time(self) -> float:
        """Wall-clock seconds since the epoch (to read HTTP-date Retry-After values)."""

    def sleep(self, seconds: float) -> None:
        """Block for `seconds`."""


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)
