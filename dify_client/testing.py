"""Test doubles for code that uses the client: time that moves only when slept on.

Public so tests and benchmarks of code built on the client need no clock of their own.
"""

from __future__ import annotations

__all__ = ["FakeClock"]


class FakeClock:
    """A clock that only moves when slept on; records every sleep. For tests and benchmarks."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
