"""How commands talk to people and to scripts.

Results go to stdout: JSON with `--json`, else Rich tables (plain text when piped).
Progress, notes and warnings go to stderr, so `--json` output stays parseable.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from rich.text import Text


def to_jsonable(value: Any) -> Any:
    """Plain JSON data; pydantic secrets come out masked, never in clear."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


class Output:
    def __init__(self, *, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.out = Console(highlight=False)
        if not self.out.is_terminal:
            # Piped output is read by people through `less` or logs: do not fold at 80.
            self.out = Console(highlight=False, width=200)
        self.err = Console(stderr=True, highlight=False)
        if not self.err.is_terminal:
            self.err = Console(stderr=True, highlight=False, width=200)

    @property
    def interactive(self) -> bool:
        return self.err.is_terminal

    def busy(self, text: str) -> AbstractContextManager[object]:
        """A spinner on stderr while something slow runs (only on a terminal)."""
        if self.interactive and not self.json_mode:
            return self.err.status(text)
        return nullcontext()

    def json(self, payload: Any) -> None:
        sys.stdout.write(json.dumps(to_jsonable(payload), indent=2, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def result(self, payload: Any, human: str | None = None) -> None:
        """JSON in --json mode, else the human sentence (when there is one)."""
        if self.json_mode:
            self.json(payload)
        elif human is not None:
            self.out.print(human)

    def table(
        self,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        title: str | None = None,
        empty: str = "nothing to show",
    ) -> None:
        rows = list(rows)
        if not rows:
            self.note(empty)
            return
        table = Table(title=title, header_style="bold", show_edge=False, box=None, pad_edge=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            # Cells are text, never markup: an app called "[beta] Bot" must print as such.
            table.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
        self.out.print(table)

    def line(self, text: str, *, style: str | None = None) -> None:
        """One line of results on stdout, printed literally (no Rich markup)."""
        self.out.print(Text(text, style=style or ""))

    def note(self, text: str) -> None:
        self.err.print(text, markup=False)

    def success(self, text: str) -> None:
        self.err.print(Text.assemble(("✓ ", "green"), text))

    def warn(self, text: str) -> None:
        self.err.print(Text.assemble(("warning: ", "yellow"), text))
