"""What a semantic diff of two DSLs holds, and its one-line summary.

Every change has a category:

* ``behaviour`` — changes what the app does (node data, edges, variables, features,
  model_config, added or removed plugins);
* ``layout`` — canvas only: node positions and canvas notes;
* ``metadata`` — the app's name, description and icon;
* ``export`` — values the exporter rewrites without the app changing (the DSL version,
  installed plugin versions); shown for information, never counted as a difference.

Values of secrets are never stored here: a change to one is recorded as "changed" with
``secret=True`` and no old or new value.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dsl.tree import TreePath, format_path
from dsl.workspace import WorkspaceBoundRef


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


# Order of changes in reports: what appeared, what went, what changed.
KIND_ORDER = {ChangeKind.ADDED: 0, ChangeKind.REMOVED: 1, ChangeKind.CHANGED: 2}


class Category(StrEnum):
    BEHAVIOUR = "behaviour"
    LAYOUT = "layout"
    METADATA = "metadata"
    EXPORT = "export"


class _Absent:
    """The value on the side where a field does not exist."""

    def __repr__(self) -> str:
        return "ABSENT"

    def __reduce__(self) -> str:
        return "ABSENT"  # unpickles to the module's singleton, so `is ABSENT` keeps working


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class FieldChange:
    """One changed value; `path` is relative to the node data or section it belongs to."""

    path: TreePath
    kind: ChangeKind
    old: Any = ABSENT
    new: Any = ABSENT
    secret: bool = False

    @property
    def field(self) -> str:
        return format_path(self.path) or "(whole value)"

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {"path": self.field, "kind": str(self.kind)}
        if self.secret:
            result["secret"] = True
            return result
        if self.old is not ABSENT:
            result["old"] = to_jsonable(self.old)
        if self.new is not ABSENT:
            result["new"] = to_jsonable(self.new)
        return result


@dataclass(frozen=True)
class NodeChange:
    kind: ChangeKind
    node_id: str
    title: str
    node_type: str
    category: Category
    fields: tuple[FieldChange, ...] = ()
    old_id: str | None = None  # set when matched by (type, title) although the id changed

    @property
    def is_note(self) -> bool:
        return self.node_type == "note"

    @property
    def changed_fields(self) -> tuple[str, ...]:
        """Top-level field names that changed, in order (``prompt_template``, ``position``)."""
        names: dict[str, None] = {}
        for change in self.fields:
            names[str(change.path[0]) if change.path else "(node)"] = None
        return tuple(names)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "id": self.node_id,
            "old_id": self.old_id,
            "title": self.title,
            "type": self.node_type,
            "category": str(self.category),
            "changed_fields": list(self.changed_fields),
            "fields": [change.to_json() for change in self.fields],
        }


@dataclass(frozen=True)
class EdgeChange:
    kind: ChangeKind
    source: str
    target: str
    source_handle: str
    target_handle: str
    source_title: str
    target_title: str
    category: Category
    fields: tuple[FieldChange, ...] = ()

    @property
    def label(self) -> str:
        handle = "" if self.source_handle in ("", "source") else f" [{self.source_handle}]"
        return f'"{self.source_title}"{handle} → "{self.target_title}"'

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "source": self.source,
            "source_handle": self.source_handle,
            "target": self.target,
            "target_handle": self.target_handle,
            "source_title": self.source_title,
            "target_title": self.target_title,
            "category": str(self.category),
            "fields": [change.to_json() for change in self.fields],
        }


@dataclass(frozen=True)
class VariableChange:
    """An environment or conversation variable added, removed or changed."""

    scope: str  # "environment" | "conversation"
    kind: ChangeKind
    name: str
    secret: bool
    fields: tuple[FieldChange, ...] = ()
    old_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "kind": str(self.kind),
            "name": self.name,
            "old_name": self.old_name,
            "secret": self.secret,
            "fields": [change.to_json() for change in self.fields],
        }


@dataclass(frozen=True)
class DependencyChange:
    kind: ChangeKind
    plugin: str
    old_version: str | None
    new_version: str | None
    category: Category
    source_type: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "plugin": self.plugin,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "source_type": self.source_type,
            "category": str(self.category),
        }


@dataclass(frozen=True)
class SectionChange:
    """A change in a non-graph section: app metadata, features, model_config, or other."""

    section: str
    change: FieldChange
    category: Category

    def to_json(self) -> dict[str, Any]:
        return {"section": self.section, "category": str(self.category), **self.change.to_json()}


@dataclass(frozen=True)
class BreakingChange:
    """A change that can break callers of the app (API clients, other apps, the graph)."""

    kind: str
    message: str
    node_id: str | None = None
    node_title: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "node_id": self.node_id,
            "node_title": self.node_title,
        }


# How each breaking kind reads in a one-line summary (singular, plural).
BREAKING_SUMMARY = {
    "start-input-removed": ("start input removed", "start inputs removed"),
    "start-input-renamed": ("start input renamed", "start inputs renamed"),
    "start-input-required": ("new required start input", "new required start inputs"),
    "end-output-removed": ("end output removed", "end outputs removed"),
    "end-output-renamed": ("end output renamed", "end outputs renamed"),
    "answer-variable-removed": ("answer variable removed", "answer variables removed"),
    "dangling-edge": ("dangling edge", "dangling edges"),
    "dangling-selector": ("selector to a missing node", "selectors to missing nodes"),
}


@dataclass(frozen=True)
class DslDiff:
    """The structured difference between two DSLs (old → new)."""

    old_label: str = "old"
    new_label: str = "new"
    app: tuple[SectionChange, ...] = ()
    nodes: tuple[NodeChange, ...] = ()
    edges: tuple[EdgeChange, ...] = ()
    variables: tuple[VariableChange, ...] = ()
    features: tuple[SectionChange, ...] = ()
    model_config: tuple[SectionChange, ...] = ()
    dependencies: tuple[DependencyChange, ...] = ()
    other: tuple[SectionChange, ...] = ()
    version: tuple[str, str] | None = None
    breaking: tuple[BreakingChange, ...] = ()
    attention: tuple[WorkspaceBoundRef, ...] = ()
    ignore_position: bool = False

    def _categories(self) -> list[Category]:
        return [
            *(change.category for change in (*self.app, *self.features, *self.model_config)),
            *(change.category for change in self.other),
            *(change.category for change in self.nodes),
            *(change.category for change in self.edges),
            *(Category.BEHAVIOUR for _ in self.variables),
            *(change.category for change in self.dependencies),
        ]

    @property
    def has_behaviour_changes(self) -> bool:
        return Category.BEHAVIOUR in self._categories()

    @property
    def is_empty(self) -> bool:
        """No change at all, apart from export-time values (DSL version, plugin versions)."""
        return all(category is Category.EXPORT for category in self._categories())

    @property
    def is_layout_only(self) -> bool:
        counted = [c for c in self._categories() if c is not Category.EXPORT]
        return bool(counted) and all(category is Category.LAYOUT for category in counted)

    @property
    def exit_code(self) -> int:
        """0 when equal, 1 when different — like diff(1)."""
        return 0 if self.is_empty else 1

    def summary(self) -> str:
        """One line for a commit message, e.g. "1 node added, 1 edge removed, start input
        renamed (breaking)" or "no behaviour change"."""
        parts = _count_parts(self)
        breaking = Counter(change.kind for change in self.breaking)
        for kind, count in breaking.items():
            singular, plural = BREAKING_SUMMARY.get(kind, (kind, kind))
            parts.append(
                f"{count if count > 1 else ''} {plural if count > 1 else singular}".strip()
                + " (breaking)"
            )
        if not parts:
            return "no behaviour change"
        line = ", ".join(parts)
        if self.is_layout_only:
            return f"{line}, layout only"
        if not self.has_behaviour_changes:
            return f"{line}, no behaviour change"
        return line

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict with a stable key and item order."""
        return {
            "old": self.old_label,
            "new": self.new_label,
            "summary": self.summary(),
            "is_empty": self.is_empty,
            "is_layout_only": self.is_layout_only,
            "has_behaviour_changes": self.has_behaviour_changes,
            "ignore_position": self.ignore_position,
            "version": list(self.version) if self.version else None,
            "breaking": [change.to_json() for change in self.breaking],
            "attention": [ref.to_json() for ref in self.attention],
            "app": [change.to_json() for change in self.app],
            "nodes": [change.to_json() for change in self.nodes],
            "edges": [change.to_json() for change in self.edges],
            "variables": [change.to_json() for change in self.variables],
            "features": [change.to_json() for change in self.features],
            "model_config": [change.to_json() for change in self.model_config],
            "dependencies": [change.to_json() for change in self.dependencies],
            "other": [change.to_json() for change in self.other],
        }


def _plural(count: int, noun: str, verb: str, plural: str = "") -> str:
    return f"{count} {noun if count == 1 else plural or noun + 's'} {verb}"


def _count_parts(diff: DslDiff) -> list[str]:
    parts: list[str] = []
    nodes = [change for change in diff.nodes if not change.is_note]
    notes = [change for change in diff.nodes if change.is_note]
    for noun, changes in (("node", nodes), ("note", notes), ("edge", list(diff.edges))):
        counts = Counter(change.kind for change in changes)
        for kind in ChangeKind:
            if counts[kind]:
                parts.append(_plural(counts[kind], noun, str(kind)))
    for scope in ("environment", "conversation"):
        counts = Counter(change.kind for change in diff.variables if change.scope == scope)
        for kind in ChangeKind:
            if counts[kind]:
                parts.append(_plural(counts[kind], f"{scope} variable", str(kind)))
    if diff.app:
        fields = sorted({str(change.change.path[0]) for change in diff.app if change.change.path})
        parts.append(f"app {fields[0]} changed" if len(fields) == 1 else "app metadata changed")
    for label, section in (("features", diff.features), ("model config", diff.model_config)):
        if section:
            parts.append(f"{label} changed")
    if diff.other:
        sections = sorted({change.section for change in diff.other})
        parts.append(f"{', '.join(sections)} changed")
    counted = [change for change in diff.dependencies if change.category is not Category.EXPORT]
    counts = Counter(change.kind for change in counted)
    for kind in ChangeKind:
        if counts[kind]:
            parts.append(_plural(counts[kind], "dependency", str(kind), "dependencies"))
    return parts


def to_jsonable(value: Any) -> Any:
    """Plain JSON types for values from YAML (dates and odd keys become strings)."""
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
