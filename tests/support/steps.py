"""What a command said it was doing (a plan's step lines on stderr, each ending in "…"),
and what it said besides: the error and its hint, warnings, notes."""

from __future__ import annotations


def without_steps(stderr: str) -> str:
    """stderr without the step lines a plan prints off a terminal."""
    return "".join(line for line in stderr.splitlines(keepends=True) if not _is_step(line))


def _is_step(line: str) -> bool:
    return line.rstrip("\n").endswith("…")
