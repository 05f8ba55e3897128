"""Time as an injectable dependency, so retry, rate-limit and polling code never sleeps in tests."""

from __future__ import annotations

import threading
import time
from typing import Protocol

from dify_client._errors import DifyError

# Set while the process is being interrupted: every SystemClock wait ends at once.
_interrupted = threading.Event()


class WaitInterrupted(DifyError):
    """A client's wait (pacing, Retry-After, a retry's back-off) ended by `interrupt_waits`."""


def interrupt_waits() -> None:
    """End every wait of the system clock in this process now, and refuse new ones (each
    raises WaitInterrupted) until `resume_waits`: a Ctrl-C must not wait out a rate limit
    in the worker threads still sleeping on it."""
    _interrupted.set()


def resume_waits() -> None:
    _interrupted.clear()


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
        if _interrupted.wait(max(seconds, 0.0)):
            raise WaitInterrupted("the wait was interrupted")
