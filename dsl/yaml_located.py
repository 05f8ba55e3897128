"""Read YAML fast and still know where everything is (for large manifests).

ruamel's round-trip loader (`dsl.yaml_io.load_roundtrip`) keeps comments and positions but
parses in pure Python: a 5,000-member manifest takes over a second. Reading does not need
the comments, only the positions for ``file:line:column`` errors, so this loader uses
libyaml and records each key's and item's position on the mappings and lists it builds.
They expose ruamel's ``.lc`` interface (`key`, `value`, `item`, 0-based), so
`dsl.yaml_io.key_position` and friends work on either kind.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator
from typing import Any

import yaml

from dsl.parsing import hostile_to_parse_error, yaml_error_to_parse_error
from dsl.yaml_guard import HostileYamlError, is_nesting_error, load_pyyaml, too_deep

_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineCol:
    def __init__(self) -> None:
        self.keys: dict[Any, tuple[int, int]] = {}
        self.values: dict[Any, tuple[int, int]] = {}
        self.items: list[tuple[int, int]] = []

    def key(self, key: Any) -> tuple[int, int]:
        return self.keys[key]

    def value(self, key: Any) -> tuple[int, int]:
        return self.values[key]

    def item(self, index: int) -> tuple[int, int]:
        return self.items[index]


class LocatedDict(dict[Any, Any]):
    lc: _LineCol


class LocatedList(list[Any]):
    lc: _LineCol


class _Loader(_BASE_LOADER):  # type: ignore[misc,valid-type]
    """libyaml parsing with the YAML 1.2 core schema, as ruamel (which writes our files)
    reads it: YAML 1.1 would turn `on`, `yes` or `no` into booleans, `12:30` into an
    integer and dates into `datetime` objects behind people's backs."""


# (tag, pattern, first characters) of the YAML 1.2 core schema's implicit scalars.
_CORE_SCHEMA = (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
)
_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in _CORE_SCHEMA:
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Iterator[LocatedDict]:
    result = LocatedDict()
    result.lc = _LineCol()
    yield result
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "a mapping key must be a scalar, not a list or mapping",
                key_node.start_mark,
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lc.keys[key] = (key_node.start_mark.line, key_node.start_mark.column)
        result.lc.values[key] = (value_node.start_mark.line, value_node.start_mark.column)


def _sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> Iterator[LocatedList]:
    result = LocatedList()
    result.lc = _LineCol()
    yield result
    for item in node.value:
        result.append(loader.construct_object(item, deep=True))
        result.lc.items.append((item.start_mark.line, item.start_mark.column))


def _core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """An integer as YAML 1.2 reads it: `09` is nine (YAML 1.1's constructor would take
    the leading zero for octal and fail on the 9)."""
    value = loader.construct_scalar(node)
    if value.startswith(("0x", "0X")):
        return int(value[2:], 16)
    return int(value, 10)


_Loader.add_constructor("tag:yaml.org,2002:int", _core_int)
_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _sequence)


def load_located(text: str, *, source: str = "<string>") -> Any:
    """Plain data (dicts and lists with positions); `DslParseError` on bad YAML, duplicate
    keys or a hostile text (`dsl.yaml_guard`), with the 1-based line and column."""
    try:
        return load_pyyaml(text, _Loader, dsl=False)
    except HostileYamlError as error:
        raise hostile_to_parse_error(error, source=source) from None
    except yaml.YAMLError as error:
        if isinstance(error, yaml.MarkedYAMLError) and is_nesting_error(error):
            raise hostile_to_parse_error(too_deep(*_mark(error)), source=source) from None
        # One line at the right place, also for the reader's refusal of a character.
        raise yaml_error_to_parse_error(error, text=text, source=source) from None


def _mark(error: yaml.MarkedYAMLError) -> tuple[int, int]:
    mark = error.problem_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
