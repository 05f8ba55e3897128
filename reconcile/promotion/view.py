"""How a promotion compares and prepares app DSLs. Pure.

Two workspaces' exports of the same app never match byte for byte: knowledge-base ids are
encrypted per workspace (and silently dropped on import), tool credentials are stripped
from one export and not from the other, secrets are blank on one side. `comparable` is the
view in which "would importing the source change the target?" has an honest answer; the
values it drops are reported as attention items instead.

`with_target_secrets` is what keeps a promotion from blanking secrets: the source's blank
secret environment values (and values a backup redacted) are filled from the target's
current DSL before import, and whatever the target does not have becomes a follow-up.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from dsl import REDACTED_PLACEHOLDER, WORKSPACE_BOUND_MARKER, normalize, redact
from dsl.graph import ENVIRONMENT_PATH, NODES_PATH, environment_variables
from dsl.tree import TreePath, copy_tree, format_path, get_path, iter_strings, set_path
from reconcile.checksum import canonical_json

_DROPPED_KEYS = frozenset({"credential_id"})


def comparable(data: Mapping[str, Any], *, name: str | None = None) -> dict[str, Any]:
    """The normalised document without workspace-bound values or secret values.

    Secret environment values are blanked and credential-looking values (keys in HTTP
    nodes, bearer headers…) are redacted, so a backup's `<redacted>` placeholder compares
    equal to the live key it stands for, and no credential reaches a plan's hashes.
    `name` is the app name the import will give (a mapping may rename the app).
    """
    view = normalize(redact(blank_secrets(data)))
    if name is not None and isinstance(view.get("app"), dict):
        view["app"]["name"] = name
    stripped: dict[str, Any] = _strip_bound(view)
    return stripped


def secret_views(
    merged: Mapping[str, Any], target: Mapping[str, Any], *, name: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(target view, source view) like `comparable`, but keeping secret values, so that a
    rotated credential shows as a difference (`dsl diff` hides its value, as ever).

    `merged` is the source with the target's secrets kept (`with_target_secrets`): a blank
    or redacted source value already stands for the target's. Where a backup's placeholder
    could not be restored, the target's value is compared redacted too: it means "keep the
    target's", never a rotation. Never for hashes or checksums: these views hold secrets.
    """
    kept: dict[str, Any] = copy_tree(dict(target))
    redacted_target = redact(target)
    for path, text in list(iter_strings(merged)):
        if REDACTED_PLACEHOLDER not in text:
            continue
        counterpart = _counterpart(path, merged, target)
        if counterpart is not None and isinstance(get_path(redacted_target, counterpart), str):
            set_path(kept, counterpart, get_path(redacted_target, counterpart))
    return _secret_view(kept, None), _secret_view(merged, name)


def _secret_view(data: Mapping[str, Any], name: str | None) -> dict[str, Any]:
    view = normalize(data)
    if name is not None and isinstance(view.get("app"), dict):
        view["app"]["name"] = name
    stripped: dict[str, Any] = _strip_bound(view)
    return stripped


def view_hash(view: Mapping[str, Any]) -> str:
    """A stable hash of a comparable view (what a plan's checksum ties it to)."""
    return hashlib.sha256(canonical_json(view).encode("utf-8")).hexdigest()


def blank_secrets(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy with every secret-typed environment value emptied (as exports without
    secrets have them)."""
    copied: dict[str, Any] = copy_tree(dict(data))
    for variable in environment_variables(copied):
        if variable.get("value_type") == "secret":
            variable["value"] = ""
    return copied


def secret_names(data: Mapping[str, Any]) -> dict[str, bool]:
    """Secret environment variables → whether they hold a value."""
    return {
        str(v.get("name")): bool(v.get("value"))
        for v in environment_variables(data)
        if v.get("value_type") == "secret"
    }


def with_target_secrets(
    source: Mapping[str, Any], target: Mapping[str, Any] | None
) -> tuple[dict[str, Any], list[str]]:
    """The source DSL with the target's secrets kept, and the follow-ups that remain.

    Returns (data to import, human-readable follow-ups naming what must be set by hand).
    """
    merged: dict[str, Any] = copy_tree(dict(source))
    target_values = {
        str(v.get("name")): v.get("value")
        for v in (environment_variables(target) if target else [])
        if v.get("value_type") == "secret" and v.get("value")
    }
    follow_ups: list[str] = []
    for variable in environment_variables(merged):
        value = variable.get("value")
        # A backup's placeholder means "the value the target has", as a blank one does: it
        # is never a value to import, whatever the shape of the target's value.
        if variable.get("value_type") != "secret" or (value and value != REDACTED_PLACEHOLDER):
            continue
        name = str(variable.get("name"))
        if name in target_values:
            variable["value"] = target_values[name]
        else:
            variable["value"] = ""
            follow_ups.append(f"set secret environment variable {name} in the target")
    for path, text in list(iter_strings(merged)):
        if REDACTED_PLACEHOLDER not in text:
            continue
        counterpart = _counterpart(path, merged, target) if target else None
        restored = _restore_redacted(text, get_path(target, counterpart) if counterpart else None)
        if restored is None:
            follow_ups.append(
                f"re-enter the credential at {format_path(path)} (it was redacted in the backup)"
            )
        else:
            set_path(merged, path, restored)
    return merged, follow_ups


def _counterpart(
    path: TreePath, source: Mapping[str, Any], target: Mapping[str, Any]
) -> TreePath | None:
    """The same place in the target: nodes are matched by id and environment variables by
    name, never by their position in the list (the target may order them differently)."""
    for prefix, key in ((NODES_PATH, "id"), (ENVIRONMENT_PATH, "name")):
        depth = len(prefix)
        if path[:depth] != prefix or len(path) <= depth or not isinstance(path[depth], int):
            continue
        wanted = get_path(source, (*prefix, path[depth], key))
        items = get_path(target, prefix)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and item.get(key) == wanted:
                return (*prefix, index, *path[depth + 1 :])
        return None
    return path


def _restore_redacted(text: str, current: Any) -> str | None:
    """The target's value for a redacted string, if the target's string has the same shape
    with a real value (one token, no spaces or line breaks) where each placeholder is."""
    if not isinstance(current, str) or REDACTED_PLACEHOLDER in current:
        return None
    pattern = r"\S+?".join(re.escape(part) for part in text.split(REDACTED_PLACEHOLDER))
    return current if re.fullmatch(pattern, current) else None


def _strip_bound(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _strip_bound(item)
            for key, item in value.items()
            if key not in _DROPPED_KEYS and item != WORKSPACE_BOUND_MARKER
        }
    if isinstance(value, list):
        return [_strip_bound(item) for item in value if item != WORKSPACE_BOUND_MARKER]
    return value
