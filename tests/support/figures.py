"""Figures the reliability suites measure, printed once at the end of the run.

A suite records one line per part (`record("kill -9", "backup", "20/20 recovered, tree
identical")`) *before* it asserts, so a failing run still says how far it got. The root
conftest prints every recorded line in a "reliability figures" section of pytest's
summary; `make reliability` runs only these suites and so prints only these lines.
"""

from __future__ import annotations

import threading

__all__ = ["SUITES", "record", "recorded"]

# The order the summary prints them in (the order of issue 14's suites).
SUITES = ("faults", "kill -9", "leaks", "hostile inputs", "concurrency", "auth order")

_lock = threading.Lock()
_figures: dict[tuple[str, str], str] = {}


def record(suite: str, part: str, line: str) -> None:
    """Remember `suite` `part`'s figure; a later record of the same part replaces it."""
    if suite not in SUITES:
        raise ValueError(f"unknown reliability suite {suite!r}; add it to SUITES")
    with _lock:
        _figures[(suite, part)] = line


def recorded() -> list[str]:
    """Every figure as `suite (part): line`, suites in SUITES order, parts as recorded."""
    with _lock:
        items = list(_figures.items())
    ordered = sorted(items, key=lambda item: SUITES.index(item[0][0]))
    return [
        f"{suite} ({part}): {line}" if part else f"{suite}: {line}"
        for (suite, part), line in ordered
    ]
