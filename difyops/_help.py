"""Help screens that fit 80 columns: no `<bool>` on flags, option names never cut.

Typer draws help as Rich tables whose columns all shrink alike when the terminal is
narrow, so `--max-removal-ratio` became `--max-removal-rat…`. Here the name columns keep
their width and the description column wraps instead. Rich is imported only when a help
screen is drawn.
"""

from __future__ import annotations

from typing import Any

from typer._click.core import Context as ClickContext
from typer.core import TyperCommand, TyperGroup, TyperOption

_display_type_rich = TyperOption.display_type_rich
_patched = False


def _flag_shows_no_type(self: TyperOption, ctx: ClickContext) -> str | None:
    # A flag takes no value: a `<bool>` next to it reads as a value it would take.
    return None if self.is_flag else _display_type_rich(self, ctx)


def _keep_names_whole() -> None:
    global _patched  # noqa: PLW0603 — patched once per process
    if _patched:
        return
    from rich.table import Table  # noqa: PLC0415
    from typer import rich_utils  # noqa: PLC0415

    class HelpTable(Table):
        def add_row(self, *renderables: Any, **options: Any) -> None:
            super().add_row(*renderables, **options)
            # Options: [required] names… type description; commands: name description.
            wrapping = 2 if len(self.columns) >= 5 else 1
            for column in self.columns[:-wrapping]:
                column.no_wrap = True

    setattr(rich_utils, "Table", HelpTable)  # noqa: B010 — the name Typer's tables use
    _patched = True


def install() -> None:
    TyperOption.display_type_rich = _flag_shows_no_type  # type: ignore[method-assign]
    for cls in (TyperCommand, TyperGroup):
        original = cls.format_help

        def format_help(self: Any, ctx: ClickContext, formatter: Any, _o: Any = original) -> None:
            _keep_names_whole()
            _o(self, ctx, formatter)

        cls.format_help = format_help  # type: ignore[method-assign]
