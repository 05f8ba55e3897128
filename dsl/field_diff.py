"""Field-level comparison of two values with deepdiff, as `FieldChange` records.

deepdiff finds what differs; the paths it reports are turned into plain tuples (the
renderers format them), its report types into added/removed/changed, and changes that
touch a secret lose their values before anything else sees them.
"""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff

from dsl.diff_model import ABSENT, ChangeKind, FieldChange
from dsl.tree import TreePath, path_sort_key

# deepdiff report types → how the change reads.
_REPORT_KINDS = {
    "values_changed": ChangeKind.CHANGED,
    "type_changes": ChangeKind.CHANGED,
    "dictionary_item_added": ChangeKind.ADDED,
    "iterable_item_added": ChangeKind.ADDED,
    "dictionary_item_removed": ChangeKind.REMOVED,
    "iterable_item_removed": ChangeKind.REMOVED,
}


def field_changes(old: Any, new: Any) -> list[FieldChange]:
    """Field-level changes between two values, with paths relative to them (deepdiff)."""
    if old == new:
        return []
    if not (isinstance(old, dict | list) and type(old) is type(new)):
        return [simple_change((), old, new)]
    report = DeepDiff(old, new, view="tree", threshold_to_diff_deeper=0, verbose_level=2)
    changes: list[FieldChange] = []
    for report_type, levels in report.items():
        kind = _REPORT_KINDS.get(report_type, ChangeKind.CHANGED)
        for level in levels:
            path = tuple(level.path(output_format="list"))
            before = ABSENT if kind is ChangeKind.ADDED else level.t1
            after = ABSENT if kind is ChangeKind.REMOVED else level.t2
            changes.append(FieldChange(path, kind, before, after))
    changes.sort(key=lambda change: path_sort_key(change.path))
    return changes


def simple_change(path: TreePath, old: Any, new: Any) -> FieldChange:
    if old is ABSENT:
        return FieldChange(path, ChangeKind.ADDED, ABSENT, new)
    if new is ABSENT:
        return FieldChange(path, ChangeKind.REMOVED, old, ABSENT)
    return FieldChange(path, ChangeKind.CHANGED, old, new)


def hide_secrets(changes: list[FieldChange], secret_paths_: list[TreePath]) -> list[FieldChange]:
    """Changes that touch a secret keep their path and kind but lose their values."""
    if not secret_paths_:
        return changes
    result = []
    for change in changes:
        path = change.path
        touches = any(
            path[: len(secret)] == secret or secret[: len(path)] == path for secret in secret_paths_
        )
        result.append(
            FieldChange(path, change.kind, ABSENT, ABSENT, secret=True) if touches else change
        )
    return result
