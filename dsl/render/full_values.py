"""Long values whole: the text and Rich reports shorten a value to the window around its
first difference; this lists every changed value that was shortened, in full, as a line
diff (a prompt edit reads like one in `git diff`). It reads `DslDiff.to_json()`, so it
works on a diff kept in a promotion plan too; secret values are not in that JSON."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from typing import Any

from dsl.render.outline import changed_pair, short_value

_SECTIONS = ("app", "nodes", "edges", "variables", "features", "model_config", "other")


def render_full_values(diff_json: Mapping[str, Any], *, width: int = 60) -> str:
    """Every changed value the reports shorten at `width`, whole; "" when there is none."""
    blocks = [
        f"{where}: {field}\n" + "".join(_whole(change))
        for where, field, change in _changes(diff_json)
        if _shortened(change, width)
    ]
    if not blocks:
        return ""
    return "Full values\n" + "\n".join(blocks)


def _changes(diff_json: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    for section in _SECTIONS:
        for entry in diff_json.get(section) or []:
            if "path" in entry:  # a section change is its field change
                yield entry.get("section") or section, entry["path"], entry
                continue
            where = _label(section, entry)
            for change in entry.get("fields") or []:
                yield where, change["path"], change


def _label(section: str, entry: Mapping[str, Any]) -> str:
    if section == "nodes":
        return f'"{entry.get("title")}" ({entry.get("type") or "?"}) {entry.get("id")}'
    if section == "variables":
        return f"{entry.get('scope')} variable {entry.get('name')}"
    if section == "edges":
        return f"edge {entry.get('source_title')} → {entry.get('target_title')}"
    return section


def _shortened(change: Mapping[str, Any], width: int) -> bool:
    if change.get("secret"):
        return False
    old, new = change.get("old"), change.get("new")
    if "old" in change and "new" in change:
        shown = changed_pair(old, new, width)
        return any("…" in s and "…" not in _text(v) for s, v in zip(shown, (old, new), strict=True))
    value = new if "new" in change else old
    return "…" in short_value(value, width) and "…" not in _text(value)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=2)


def _whole(change: Mapping[str, Any]) -> Iterator[str]:
    old = _text(change["old"]).splitlines() if "old" in change else []
    new = _text(change["new"]).splitlines() if "new" in change else []
    context = max(len(old), len(new))
    lines = list(difflib.unified_diff(old, new, lineterm="", n=context))[2:]
    for line in lines:
        if line.startswith("@@"):
            continue
        yield f"    {line[:1] or ' '} {line[1:]}\n"
