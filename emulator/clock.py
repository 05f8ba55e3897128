"""The emulator's one source of time.

Every expiry in the emulator (pending imports, device codes, tokens, dependency-check
entries, rate-limit windows, console sessions) reads `Clock.now()`, never `time.time()`.
The clock is real time plus an offset that only moves forward, through the admin API
(`POST /_emulator/clock`), so a test can "wait" ten minutes without sleeping.
The one real wait the emulator makes on a run's behalf — a scripted node delay — goes
through `Clock.wait`, so an in-process test can replace it (record the delay, or advance
the offset instead of sleeping).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime


class Clock:
    """Wall-clock time plus an adjustable offset, in epoch seconds."""

    def __init__(self, time_source: Callable[[], float] = time.time) -> None:
        self._source = time_source
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._source() + self._offset

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by `seconds` (negative values are refused) and return now."""
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0

    def wait(self, seconds: float, interrupt: threading.Event) -> bool:
        """Let `seconds` of real time pass unless `interrupt` is set first (then True)."""
        return interrupt.wait(seconds)


def to_datetime(timestamp: float) -> datetime:
    """Epoch seconds → aware UTC datetime truncated to whole seconds (stable wire values)."""
    return datetime.fromtimestamp(int(timestamp), tz=UTC)


def iso_utc_z(timestamp: float) -> str:
    """`2025-03-01T09:00:00Z`: the session-row format of contract §2.2."""
    return to_datetime(timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_naive(timestamp: float) -> str:
    """`2025-03-01T09:00:00`: Dify's `naive_utc_now().isoformat()` (app and workspace rows)."""
    return to_datetime(timestamp).replace(tzinfo=None).isoformat()


def iso_offset(timestamp: float) -> str:
    """`2025-03-01T09:00:00+00:00`: the device-flow `expires_at` format (aware isoformat)."""
    return to_datetime(timestamp).isoformat()
