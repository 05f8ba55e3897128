"""Diffing environment and conversation variables (dsl-format.md §6).

Variables are matched by id (stable across exports), then by name. The value of a secret
variable — or of any variable whose value looks like a credential — is never carried
into the diff: a change to it is recorded as "changed" without values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsl.diff_model import KIND_ORDER, ChangeKind, VariableChange
from dsl.field_diff import field_changes, hide_secrets
from dsl.graph import conversation_variables, environment_variables
from dsl.secrets import secret_paths
from dsl.tree import as_str


def variable_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[VariableChange]:
    return [
        *_scope_changes("environment", environment_variables(old), environment_variables(new)),
        *_scope_changes("conversation", conversation_variables(old), conversation_variables(new)),
    ]


def _scope_changes(
    scope: str, old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> list[VariableChange]:
    pairs, added, removed = _match_variables(old, new)
    changes = [
        VariableChange(scope, ChangeKind.ADDED, as_str(v.get("name")), _is_secret_variable(v))
        for v in added
    ]
    changes += [
        VariableChange(scope, ChangeKind.REMOVED, as_str(v.get("name")), _is_secret_variable(v))
        for v in removed
    ]
    for before, after in pairs:
        if before == after:
            continue
        secret = _is_secret_variable(before) or _is_secret_variable(after)
        fields = field_changes(
            {k: v for k, v in before.items() if k not in ("id", "selector")},
            {k: v for k, v in after.items() if k not in ("id", "selector")},
        )
        if secret:
            fields = hide_secrets(fields, [("value",)])
        if not fields:
            continue
        old_name, new_name = as_str(before.get("name")), as_str(after.get("name"))
        changes.append(
            VariableChange(
                scope,
                ChangeKind.CHANGED,
                new_name,
                secret,
                tuple(fields),
                old_name=old_name if old_name != new_name else None,
            )
        )
    changes.sort(key=lambda c: (KIND_ORDER[c.kind], c.name))
    return changes


def _match_variables(
    old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(matched pairs, added, removed): by id first, then by name."""
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    unmatched_new = list(new)
    unmatched_old = list(old)
    for key in ("id", "name"):
        still_unmatched: list[dict[str, Any]] = []
        for variable in unmatched_old:
            value = variable.get(key)
            match = next((v for v in unmatched_new if value and v.get(key) == value), None)
            if match is None:
                still_unmatched.append(variable)
            else:
                unmatched_new.remove(match)
                pairs.append((variable, match))
        unmatched_old = still_unmatched
    return pairs, unmatched_new, unmatched_old


def _is_secret_variable(variable: Mapping[str, Any]) -> bool:
    value = variable.get("value")
    return variable.get("value_type") == "secret" or (
        isinstance(value, str) and bool(secret_paths(value))
    )
