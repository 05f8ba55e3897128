"""Small helpers for the plain data trees PyYAML gives: copy, paths, walking.

A DSL document is a tree of dicts, lists and scalars. Paths into it are tuples of keys and
list indexes, e.g. ``("workflow", "graph", "nodes", 3, "data", "title")``; `format_path`
turns them into the dotted form people read (``workflow.graph.nodes[3].data.title``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, TypeAlias

PathElement: TypeAlias = str | int
TreePath: TypeAlias = tuple[PathElement, ...]

_BARE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def copy_tree(value: Any) -> Any:
    """Deep-copy dicts and lists; scalars are immutable and shared.

    Much faster than `copy.deepcopy` for parsed YAML, which matters because normalisation
    copies whole documents before changing them (the caller's data is never mutated).
    """
    if isinstance(value, dict):
        return {key: copy_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_tree(item) for item in value]
    return value


def format_path(path: TreePath) -> str:
    """``("nodes", 3, "data", "a.b")`` → ``nodes[3].data["a.b"]``."""
    parts: list[str] = []
    for element in path:
        if isinstance(element, int):
            parts.append(f"[{element}]")
        elif _BARE_KEY.match(element):
            parts.append(f".{element}" if parts else element)
        else:
            parts.append(f"[{element!r}]")
    return "".join(parts)


def path_sort_key(path: TreePath) -> tuple[tuple[int, int, str], ...]:
    """Orders paths by list index numerically and by key alphabetically."""
    return tuple((0, e, "") if isinstance(e, int) else (1, 0, str(e)) for e in path)


def get_path(data: Any, path: TreePath, default: Any = None) -> Any:
    """The value at `path`, or `default` when any step is missing or of the wrong kind."""
    current = data
    for element in path:
        if isinstance(element, int):
            if not isinstance(current, list) or not -len(current) <= element < len(current):
                return default
            current = current[element]
        else:
            if not isinstance(current, Mapping) or element not in current:
                return default
            current = current[element]
    return current


def set_path(data: Any, path: TreePath, value: Any) -> bool:
    """Replace the value at an existing `path` in place; False when the path does not exist."""
    if not path:
        return False
    parent = get_path(data, path[:-1], default=None)
    last = path[-1]
    if isinstance(last, int) and isinstance(parent, list) and -len(parent) <= last < len(parent):
        parent[last] = value
        return True
    if isinstance(last, str) and isinstance(parent, dict) and last in parent:
        parent[last] = value
        return True
    return False


def iter_strings(value: Any, path: TreePath = ()) -> Iterator[tuple[TreePath, str]]:
    """Every string leaf under `value`, with its path (keys themselves are not visited)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from iter_strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_strings(item, (*path, index))


def as_str(value: Any) -> str:
    """A scalar as text for messages and keys; None becomes the empty string."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)
