"""The shared shape of every diff rendering: sections of items with detail lines.

Text, Markdown and Rich renderers only decide how an `Outline` looks; what is said —
which sections, in which order, how values are shortened — is decided once, here.

Values are shortened so a report stays readable: long strings show the window around the
first difference, structures are written as compact JSON, and anything marked secret is
shown only as "(secret value changed)".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dsl.diff_model import (
    ABSENT,
    Category,
    ChangeKind,
    DslDiff,
    FieldChange,
    NodeChange,
    SectionChange,
    to_jsonable,
)

MARKERS = {ChangeKind.ADDED: "+", ChangeKind.REMOVED: "-", ChangeKind.CHANGED: "~"}
HIDDEN_VALUE_TEXT = "(secret value changed)"


@dataclass(frozen=True)
class Detail:
    """One field change: `values` is (value,) for added/removed, (old, new) for changed,
    () when the value is hidden or the line is a note."""

    marker: str
    field: str
    values: tuple[str, ...] = ()
    note: str = ""

    @property
    def text(self) -> str:
        return " → ".join(self.values) if self.values else self.note


@dataclass
class Item:
    marker: str  # "+", "-", "~", "!" (breaking), "*" (attention), "i" (information)
    headline: str
    details: list[Detail] = field(default_factory=list)
    note: str = ""  # e.g. "layout only"


@dataclass
class Section:
    key: str
    title: str
    items: list[Item]


@dataclass
class Outline:
    old_label: str
    new_label: str
    summary: str
    sections: list[Section]


def build_outline(diff: DslDiff, *, max_fields: int = 12, value_width: int = 60) -> Outline:
    """The report for `diff`; at most `max_fields` detail lines per item."""
    describe = _Describer(max_fields=max_fields, value_width=value_width)
    sections = [
        Section(
            "breaking", "Breaking changes", [Item("!", change.message) for change in diff.breaking]
        ),
        Section("nodes", "Nodes", [describe.node(change) for change in diff.nodes]),
        Section("edges", "Edges", _edge_items(diff, describe)),
        Section("variables", "Variables", _variable_items(diff, describe)),
        Section("app", "App", describe.section_items(diff.app)),
        Section("features", "Features", describe.section_items(diff.features)),
        Section("model_config", "Model config", describe.section_items(diff.model_config)),
        Section("dependencies", "Dependencies", _dependency_items(diff, describe)),
        Section("other", "Other sections", describe.section_items(diff.other, by_section=True)),
        Section(
            "attention",
            "Needs attention in the target workspace",
            [Item("*", str(ref)) for ref in diff.attention],
        ),
    ]
    if diff.version:
        sections.append(
            Section(
                "export",
                "Export-time (not a change to the app)",
                [Item("i", f"DSL version {diff.version[0]} → {diff.version[1]}")],
            )
        )
    return Outline(
        diff.old_label,
        diff.new_label,
        diff.summary(),
        [section for section in sections if section.items],
    )


def _edge_items(diff: DslDiff, describe: _Describer) -> list[Item]:
    return [
        Item(MARKERS[change.kind], change.label, describe.fields(change.fields))
        for change in diff.edges
    ]


def _variable_items(diff: DslDiff, describe: _Describer) -> list[Item]:
    return [
        Item(
            MARKERS[change.kind],
            describe.variable_headline(change.scope, change.name, change.old_name, change.secret),
            describe.fields(change.fields),
        )
        for change in diff.variables
    ]


def _dependency_items(diff: DslDiff, describe: _Describer) -> list[Item]:
    return [
        Item(
            MARKERS[change.kind],
            describe.dependency(change.plugin, change.old_version, change.new_version, change.kind),
            note="installed version only" if change.category is Category.EXPORT else "",
        )
        for change in diff.dependencies
    ]


class _Describer:
    def __init__(self, *, max_fields: int, value_width: int) -> None:
        self.max_fields = max_fields
        self.width = value_width

    def node(self, change: NodeChange) -> Item:
        headline = f'"{change.title}" ({change.node_type or "?"}) {change.node_id}'
        if change.old_id:
            headline += f" (was {change.old_id}: matched by type and title)"
        note = "layout only" if change.category is Category.LAYOUT and change.fields else ""
        return Item(MARKERS[change.kind], headline, self.fields(change.fields), note)

    def variable_headline(self, scope: str, name: str, old_name: str | None, secret: bool) -> str:
        renamed = f" (renamed from {old_name})" if old_name else ""
        kind = "secret " if secret else ""
        return f"{scope} {kind}variable {name}{renamed}"

    def dependency(self, plugin: str, old: str | None, new: str | None, kind: ChangeKind) -> str:
        if kind is ChangeKind.ADDED:
            return f"{plugin} {new or ''}".rstrip()
        if kind is ChangeKind.REMOVED:
            return f"{plugin} {old or ''}".rstrip()
        return f"{plugin} {old or '?'} → {new or '?'}"

    def section_items(
        self, changes: tuple[SectionChange, ...], *, by_section: bool = False
    ) -> list[Item]:
        if not changes:
            return []
        if not by_section:
            details = self.fields(tuple(change.change for change in changes))
            return [Item(detail.marker, _detail_line(detail)) for detail in details]
        items: dict[str, Item] = {}
        for change in changes:
            item = items.setdefault(change.section, Item("~", change.section))
            item.details.extend(self.fields((change.change,)))
        return list(items.values())

    def fields(self, changes: tuple[FieldChange, ...]) -> list[Detail]:
        details = [self.field(change) for change in changes[: self.max_fields]]
        if len(changes) > self.max_fields:
            hidden = len(changes) - self.max_fields
            details.append(Detail("…", "", note=f"and {hidden} more changes"))
        return details

    def field(self, change: FieldChange) -> Detail:
        marker = MARKERS[change.kind]
        if change.secret:
            return Detail(marker, change.field, note=HIDDEN_VALUE_TEXT)
        if change.kind is ChangeKind.ADDED:
            return Detail(marker, change.field, (short_value(change.new, self.width),))
        if change.kind is ChangeKind.REMOVED:
            return Detail(marker, change.field, (short_value(change.old, self.width),))
        return Detail(marker, change.field, changed_pair(change.old, change.new, self.width))


def _detail_line(detail: Detail) -> str:
    return f"{detail.field}: {detail.text}" if detail.field else detail.text


def short_value(value: Any, width: int = 60) -> str:
    """A value on one line, at most about `width` characters."""
    if value is ABSENT:
        return "(absent)"
    if isinstance(value, str):
        return _quote(_clip(_one_line(value), 0, width))
    text = json.dumps(to_jsonable(value), ensure_ascii=False, sort_keys=False)
    return _clip(text, 0, width)


def changed_pair(old: Any, new: Any, width: int = 60) -> tuple[str, str]:
    """Both sides of a change; for two long strings, the window around the first difference."""
    if not (isinstance(old, str) and isinstance(new, str)):
        return short_value(old, width), short_value(new, width)
    old_line, new_line = _one_line(old), _one_line(new)
    common = 0
    for a, b in zip(old_line, new_line, strict=False):
        if a != b:
            break
        common += 1
    start = max(0, common - width // 3) if max(len(old_line), len(new_line)) > width else 0
    return _quote(_clip(old_line, start, width)), _quote(_clip(new_line, start, width))


def _one_line(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "⏎").replace("\t", "→")


def _clip(text: str, start: int, width: int) -> str:
    head = "…" if start > 0 else ""
    body = text[start : start + width]
    tail = "…" if start + width < len(text) else ""
    return f"{head}{body}{tail}"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'
