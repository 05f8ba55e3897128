"""Validate YAML we read (manifests) with errors that say file:line:column and what is wrong."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from dify_client.models.lookup import near_name
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
                near = near_name(_keys(model), str(error["loc"][-1]))
                message = "unknown key " + (
                    f"(did you mean {near!r}?)" if near else "(check its spelling)"
                )
            problems.append(f"{source}:{line}:{column}: {where}: {message}")
        raise ManifestError("\n".join(problems)) from None


def _keys(model: type[BaseModel]) -> set[str]:
    """Every key `model` and the models inside it accept: what a misspelt key may have
    meant (the nearest one is offered, wherever in the document it was)."""
    keys: set[str] = set()
    seen: set[type[BaseModel]] = set()
    todo: list[Any] = [model]
    while todo:
        kind = todo.pop()
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            if kind in seen:
                continue
            seen.add(kind)
            for name, field in kind.model_fields.items():
                keys.add(field.alias or name)
                todo.append(field.annotation)
        else:
            todo.extend(get_args(kind))
    return keys
