"""Markdown pieces shared by the reports (Prefect artifacts, pull requests)."""

from __future__ import annotations

from collections.abc import Iterable


def cell(text: object) -> str:
    """Text safe inside a table cell: a `|` or a line break would split or end the row."""
    return str("" if text is None else text).replace("|", "\\|").replace("\n", " ")


def table(columns: Iterable[str], rows: Iterable[Iterable[object]]) -> list[str]:
    header = [cell(c) for c in columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines
