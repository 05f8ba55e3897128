"""Markdown diff report, for Prefect artifacts and pull-request descriptions.

Titles and values come from people's apps, so they are escaped: values go in code spans
(with a longer fence when they contain backticks), titles have Markdown punctuation
backslash-escaped.
"""

from __future__ import annotations

import re

from dsl.diff_model import DslDiff
from dsl.render.outline import Item, build_outline

# Inline punctuation that would change the rendering in the middle of a line.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_MARKER_WORDS = {
    "+": "**added**",
    "-": "**removed**",
    "~": "**changed**",
    "!": "⚠️",
    "*": "🔗",
    "i": "ℹ️",
    "…": "…",
}


def render_markdown(
    diff: DslDiff, *, max_fields: int = 12, value_width: int = 60, heading_level: int = 3
) -> str:
    outline = build_outline(diff, max_fields=max_fields, value_width=value_width)
    hashes = "#" * heading_level
    lines = [
        f"{hashes} DSL diff: {code(outline.old_label)} → {code(outline.new_label)}",
        "",
        f"**{escape(outline.summary)}**",
    ]
    for section in outline.sections:
        lines += ["", f"{hashes}# {section.title}", ""]
        for item in section.items:
            lines.extend(_item_lines(item))
    return "\n".join(lines) + "\n"


def _item_lines(item: Item) -> list[str]:
    note = f" _({escape(item.note)})_" if item.note else ""
    lines = [f"- {_MARKER_WORDS.get(item.marker, item.marker)} {escape(item.headline)}{note}"]
    for detail in item.details:
        label = f"{code(detail.field)}: " if detail.field else ""
        text = " → ".join(code(value) for value in detail.values) or f"_{escape(detail.note)}_"
        lines.append(f"  - {label}{text}")
    return lines


def escape(text: str) -> str:
    """Backslash-escape Markdown punctuation in free text."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def code(text: str) -> str:
    """A code span that survives backticks inside the text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if longest else ""
    return f"{fence}{padding}{text}{padding}{fence}"
