"""The one YAML dialect difyops writes: manifests, reports, anything of our own.

Dify DSL files are *not* written here — their canonical form is PyYAML's (`dsl.canonical`).
Our own files are edited by people, so they go through ruamel.yaml's round-trip mode,
which keeps comments, key order and quoting, and reports errors with positions.

The dialect, knob by knob (set one by one rather than through ``yaml.indent()``, which
hides what each number means — the ansible-lint ``FormattedYAML`` approach)::

    # map_indent = 2: nested mappings indent by two spaces
    members:
      owner:
        email: a@example.com

    # sequence_indent = 4, sequence_dash_offset = 2: list items are indented under their
    # key, with the dash two columns in and the content two further
    members:
      - email: a@example.com
        role: admin

    # preserve_quotes = True: 'quoted' and "quoted" scalars keep their quotes, so a
    # round trip does not churn people's diffs; version: '0.6.0' stays a string

    # width = 4096: long strings are never re-folded (a re-fold is a spurious diff)

    # explicit_start = False: no leading "---"; allow_unicode = True: text stays readable

Duplicate keys are errors (ruamel's default), because in a manifest the second value
silently winning is a bug waiting to happen.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from dsl.errors import DslParseError, marked_error_details
from dsl.parsing import character_name, position_of_offset
from dsl.tree import TreePath
from dsl.yaml_guard import (
    UNCONSTRUCTIBLE,
    HostileYamlError,
    check_node_graph,
    check_text_size,
    checked_value,
    too_deep,
    unconstructible_problem,
)

Position = tuple[int, int]


def make_yaml() -> YAML:
    """A fresh ruamel.yaml instance configured with the difyops dialect."""
    yaml = YAML(typ="rt", pure=True)
    yaml.Composer = _GuardedComposer
    yaml.Constructor = _LocatedConstructor
    yaml.map_indent = 2
    yaml.sequence_indent = 4
    yaml.sequence_dash_offset = 2
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.explicit_start = False
    yaml.allow_unicode = True
    yaml.allow_duplicate_keys = False
    return yaml


class _GuardedComposer(Composer):
    """ruamel's composer, refusing hostile node graphs (`dsl.yaml_guard`) before they are
    constructed into data."""

    def compose_document(self: Any) -> Any:
        node = super().compose_document()
        check_node_graph(node)
        return node


class _LocatedConstructor(RoundTripConstructor):
    """ruamel's round-trip constructor; a value it cannot construct (`!!int xyz`, an
    integer of 5,000 digits) is a `ConstructorError` at its place, not a `ValueError`."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return checked_value(super().construct_object(node, deep=deep))
        except UNCONSTRUCTIBLE as error:
            raise ConstructorError(
                None, None, unconstructible_problem(node, error), node.start_mark
            ) from None


def load_roundtrip(text: str, *, source: str = "<string>") -> Any:
    """Parse text into ruamel's comment-preserving mappings and sequences.

    Raises `DslParseError` with the 1-based line and column of syntax errors, duplicate
    keys and hostile texts (alias bombs, deep nesting, above 10 MB).
    """
    try:
        check_text_size(text, dsl=False)
        try:
            return make_yaml().load(text)
        except RecursionError:
            raise too_deep() from None
    except HostileYamlError as error:
        raise DslParseError(
            error.message, source=source, line=error.line, column=error.column, hint=error.hint
        ) from None
    except MarkedYAMLError as error:
        line, column, message = marked_error_details(error)
        raise DslParseError(
            f"invalid YAML: {message}", source=source, line=line, column=column
        ) from None
    except ReaderError as error:  # a character YAML does not allow, at its place
        line, column = position_of_offset(text, error.position)
        raise DslParseError(
            f"invalid YAML: character {character_name(error.character)} is not allowed in YAML",
            source=source,
            line=line,
            column=column,
        ) from None
    except YAMLError as error:
        first = str(error).splitlines()[0] if str(error) else "not YAML"
        raise DslParseError(f"invalid YAML: {first}", source=source) from None


def dump_roundtrip(data: Any) -> str:
    """Serialise data (loaded with `load_roundtrip` or plain) in the difyops dialect."""
    stream = io.StringIO()
    make_yaml().dump(data, stream)
    return stream.getvalue()


def key_position(mapping: Mapping[Any, Any], key: Any) -> Position | None:
    """1-based (line, column) of `key` in a mapping loaded by `load_roundtrip`."""
    lc = getattr(mapping, "lc", None)
    if lc is None or key not in mapping:
        return None
    line, column = lc.key(key)
    return line + 1, column + 1


def value_position(mapping: Mapping[Any, Any], key: Any) -> Position | None:
    """1-based (line, column) of the value of `key` in a loaded mapping."""
    lc = getattr(mapping, "lc", None)
    if lc is None or key not in mapping:
        return None
    line, column = lc.value(key)
    return line + 1, column + 1


def item_position(sequence: Sequence[Any], index: int) -> Position | None:
    """1-based (line, column) of item `index` in a sequence loaded by `load_roundtrip`."""
    lc = getattr(sequence, "lc", None)
    if lc is None or not 0 <= index < len(sequence):
        return None
    line, column = lc.item(index)
    return line + 1, column + 1


def position_at(root: Any, path: TreePath) -> Position | None:
    """1-based position of the key or item at `path` (the nearest existing ancestor when the
    path goes further than the data), for ``file:line:column`` validation errors."""
    position: Position | None = (1, 1)
    node = root
    for element in path:
        if isinstance(node, Mapping) and element in node:
            position = key_position(node, element) or position
            node = node[element]
        elif isinstance(node, list) and isinstance(element, int) and 0 <= element < len(node):
            position = item_position(node, element) or position
            node = node[element]
        else:
            break
    return position
