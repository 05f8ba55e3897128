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

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text


def to_jsonable(value: Any) -> Any:
    """Plain JSON data; pydantic secrets come out masked, never in clear."""
    # pydantic is looked up, not imported: a value cannot be a model unless its module is
    # loaded, and `--help` (which prints through this module) stays free of pydantic.
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


# Wide enough that nothing a command prints is folded when piped; nothing fills the width.
PIPED_WIDTH = 10_000
# Columns a table on a narrow terminal leaves out before it would split a value.
OPTIONAL_COLUMNS = ("ID",)
GAP = 2  # Rich's padding between two columns (one cell each side)


class Output:
    def __init__(self, *, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.out = Console(highlight=False)
        if not self.out.is_terminal:
            # Piped output is read by people through `less`, logs and grep: a line is never
            # folded (a long summary, an id, an e-mail stay whole on their line).
            self.out = Console(highlight=False, width=PIPED_WIDTH)
        self.err = Console(stderr=True, highlight=False)
        if not self.err.is_terminal:
            self.err = Console(stderr=True, highlight=False, width=PIPED_WIDTH)

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
        """Rows under a header. A value without spaces (an id, an e-mail, a timestamp, a
        mode) is never split: on a narrow terminal the prose columns wrap at spaces, and
        when that is not enough the ID column is left out (with a note; `--json` and a
        pipe keep it); when even that does not fit, each row is printed as a block of
        `COLUMN  value` lines. Piped, no line ends in padding."""
        cells = [["" if cell is None else str(cell) for cell in row] for row in rows]
        if not cells:
            self.note(empty)
            return
        shown = list(range(len(columns)))
        whole = [all(" " not in row[i] for row in cells) for i in shown]
        if self.out.is_terminal:
            dropped = [i for i in shown if columns[i] in OPTIONAL_COLUMNS]
            while dropped and _narrowest(columns, cells, shown, whole) > self.out.width:
                shown.remove(dropped.pop())
            if _narrowest(columns, cells, shown, whole) > self.out.width:
                self._records(columns, cells, title=title)
                return
            hidden = [columns[i] for i in range(len(columns)) if i not in shown]
            if hidden:
                self.note(
                    f"({', '.join(hidden)} left out to fit {self.out.width} columns; "
                    "a wider terminal, a pipe or --json shows it)"
                )
        table = Table(title=title, header_style="bold", show_edge=False, box=None, pad_edge=False)
        for i in shown:
            table.add_column(columns[i], no_wrap=whole[i], overflow="fold")
        for row in cells:
            # Cells are text, never markup: an app called "[beta] Bot" must print as such.
            table.add_row(*(Text(row[i]) for i in shown))
        if self.out.is_terminal:
            self.out.print(table)
            return
        with self.out.capture() as captured:
            self.out.print(table)
        text = "".join(line.rstrip() + "\n" for line in captured.get().splitlines())
        self.out.file.write(text)
        self.out.file.flush()

    def _records(
        self, columns: Sequence[str], cells: list[list[str]], *, title: str | None
    ) -> None:
        """Rows too wide for the terminal even without their ID, one block per row: a
        `COLUMN  value` line for each column, so no value is split."""
        if title:
            self.out.print(Text(title, style="bold"))
        names = [column or "·" for column in columns]
        width = max(cell_len(name) for name in names)
        for number, row in enumerate(cells):
            if number:
                self.out.print()
            for name, value in zip(names, row, strict=True):
                if value:
                    label = Text(name.ljust(width), style="bold")
                    self.out.print(Text.assemble(label, "  ", value), soft_wrap=True)

    def line(self, text: str, *, style: str | None = None) -> None:
        """One line of results on stdout, printed literally (no Rich markup)."""
        self.out.print(Text(text, style=style or ""))

    def note(self, text: str) -> None:
        self.err.print(text, markup=False)

    def success(self, text: str) -> None:
        self.err.print(Text.assemble(("✓ ", "green"), text))

    def warn(self, text: str) -> None:
        self.err.print(Text.assemble(("warning: ", "yellow"), text))


def _narrowest(
    columns: Sequence[str], cells: list[list[str]], shown: list[int], whole: list[bool]
) -> int:
    """The least width the shown columns fit in without splitting a word."""
    total = GAP * (len(shown) - 1)
    for i in shown:
        values = [columns[i], *(row[i] for row in cells)]
        if whole[i]:
            total += max(cell_len(v) for v in values)
        else:
            total += max(cell_len(w) for v in values for w in v.split() or [""])
    return total
