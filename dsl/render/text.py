"""Plain-text diff report: for terminals without colour, logs and ``--no-color``."""

from __future__ import annotations

from dsl.diff_model import DslDiff
from dsl.render.outline import Item, build_outline


def render_text(diff: DslDiff, *, max_fields: int = 12, value_width: int = 60) -> str:
    outline = build_outline(diff, max_fields=max_fields, value_width=value_width)
    lines = [f"{outline.old_label} → {outline.new_label}: {outline.summary}"]
    for section in outline.sections:
        lines.append("")
        lines.append(section.title)
        for item in section.items:
            lines.extend(_item_lines(item))
    return "\n".join(lines) + "\n"


def _item_lines(item: Item) -> list[str]:
    note = f"  [{item.note}]" if item.note else ""
    lines = [f"  {item.marker} {item.headline}{note}"]
    for detail in item.details:
        label = f"{detail.field}: " if detail.field else ""
        lines.append(f"      {detail.marker} {label}{detail.text}")
    return lines
