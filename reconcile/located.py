"""Validate YAML we read (manifests) with errors that say file:line:column and what is wrong."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dsl.yaml_io import position_at
from reconcile.errors import ManifestError

M = TypeVar("M", bound=BaseModel)


def plain(data: Any) -> Any:
    """ruamel's round-trip containers as plain dicts and lists."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data


def shown_key(key: Any) -> str:
    """A key as a message shows it: as written, or quoted when it holds a line break or
    another character that would garble a `file:line:column: where: what` line."""
    text = str(key)
    return text if text.isprintable() else repr(text)


def validate_at(model: type[M], root: Any, path: Sequence[str | int], *, source: str) -> M:
    """`model` from the value at `path` in a round-trip-loaded document; every problem is
    reported at once as ``source:line:column: where: what``."""
    node: Any = root
    for element in path:
        node = node[element]
    try:
        return model.model_validate(plain(node))
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = (*path, *error["loc"])
            where = ".".join(shown_key(p) for p in location) or "document"
            line, column = position_at(root, tuple(location)) or (1, 1)
            message = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown key (check its spelling)"
            problems.append(f"{source}:{line}:{column}: {where}: {message}")
        raise ManifestError("\n".join(problems)) from None
