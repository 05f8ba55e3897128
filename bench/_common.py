"""Timing helpers shared by the benchmark scripts (not a test module)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"


def timed(action: Callable[[], object]) -> float:
    """Seconds one call of `action` takes (perf_counter)."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
