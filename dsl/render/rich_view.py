"""A Rich renderable of a diff: the text report with colour, for terminals."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from dsl.diff_model import DslDiff
from dsl.render.outline import build_outline

_STYLES = {
    "+": "green",
    "-": "red",
    "~": "yellow",
    "!": "bold red",
    "*": "magenta",
    "i": "dim",
    "…": "dim",
}


def render_rich(diff: DslDiff, *, max_fields: int = 12, value_width: int = 60) -> Group:
    """Print it with ``rich.console.Console().print(render_rich(diff))``."""
    outline = build_outline(diff, max_fields=max_fields, value_width=value_width)
    parts: list[Text] = [
        Text.assemble(
            (outline.old_label, "bold"),
            " → ",
            (outline.new_label, "bold"),
            ": ",
            (outline.summary, "bold cyan"),
        )
    ]
    for section in outline.sections:
        parts.append(Text(""))
        parts.append(Text(section.title, style="bold underline"))
        for item in section.items:
            style = _STYLES.get(item.marker, "")
            line = Text.assemble("  ", (item.marker, style), " ", (item.headline, style))
            if item.note:
                line.append(f"  [{item.note}]", style="dim")
            parts.append(line)
            for detail in item.details:
                label = f"{detail.field}: " if detail.field else ""
                parts.append(
                    Text.assemble(
                        "      ",
                        (detail.marker, _STYLES.get(detail.marker, "")),
                        " ",
                        (label, "cyan"),
                        detail.text,
                    )
                )
    return Group(*parts)
