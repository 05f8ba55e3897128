"""PyYAML parsing with located errors, the way Dify parses a DSL.

Dify reads an imported DSL with `yaml.safe_load` (YAML 1.1 rules: `0.1` is a float, `yes`
is a bool), so difyops parses with the same resolver to see exactly the data Dify sees.
The scanner and parser run in libyaml (`CSafeLoader`) when it is installed, for speed;
when libyaml rejects a text, the pure-Python `SafeLoader` gets the last word, because it
is what Dify runs (libyaml refuses some escapes, such as surrogate pairs, that PyYAML
accepts). Every load goes through `dsl.yaml_guard` (size, alias and depth limits) so a
hostile text is refused with a located error instead of exhausting memory or the stack.

Positions are 1-based (line, column), counted in characters of the text that was parsed.
"""

from __future__ import annotations

from typing import Any

import yaml

from dsl.errors import DslParseError, marked_error_details
from dsl.tree import TreePath
from dsl.yaml_guard import (
    HostileYamlError,
    check_node_graph,
    check_text_size,
    is_nesting_error,
    load_pyyaml,
    too_deep,
)

_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Position = tuple[int, int]


def parse_yaml(text: str, *, source: str, where: str = "") -> Any:
    """Parse one YAML document into plain data, or raise a located `DslParseError`.

    `where` is appended to error messages to say which text the position counts in (used
    for the YAML inside a JSON export wrapper).
    """
    try:
        try:
            return load_pyyaml(text, _FastLoader)
        except yaml.YAMLError as error:
            if is_nesting_error(error):
                raise too_deep(*_mark_of(error)) from None
        try:
            return load_pyyaml(text, yaml.SafeLoader)
        except yaml.YAMLError as error:
            raise yaml_error_to_parse_error(error, text=text, source=source, where=where) from None
    except HostileYamlError as error:
        raise hostile_to_parse_error(error, source=source, where=where) from None


def guard_yaml(text: str, *, source: str) -> None:
    """Refuse a text above 10 MB, an alias bomb or absurd nesting (`dsl.yaml_guard`) with a
    located `DslParseError`, without building its data; YAML that does not parse passes (the
    caller leaves it to whoever parses it for real)."""
    try:
        check_text_size(text)
        try:
            node = yaml.compose(text, Loader=_FastLoader)
        except yaml.YAMLError as error:
            if is_nesting_error(error):
                raise too_deep(*_mark_of(error)) from None
            return
        except RecursionError:
            raise too_deep() from None
        check_node_graph(node)
    except HostileYamlError as error:
        raise hostile_to_parse_error(error, source=source) from None


def hostile_to_parse_error(
    error: HostileYamlError, *, source: str, where: str = ""
) -> DslParseError:
    """The located `DslParseError` of a text refused by `dsl.yaml_guard`."""
    return DslParseError(
        f"{error.message}{where}",
        source=source,
        line=error.line,
        column=error.column,
        hint=error.hint,
    )


def _mark_of(error: yaml.YAMLError) -> tuple[int, int]:
    mark = getattr(error, "problem_mark", None)
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def yaml_error_to_parse_error(
    error: yaml.YAMLError, *, text: str, source: str, where: str = ""
) -> DslParseError:
    """Turn a PyYAML error into `DslParseError` with its line, column and a hint."""
    line, column = 1, 1
    if isinstance(error, yaml.MarkedYAMLError):
        line, column, message = marked_error_details(error)
    elif isinstance(error, yaml.reader.ReaderError):
        line, column = position_of_offset(text, error.position)
        message = f"character {character_name(error.character)} is not allowed in YAML"
    else:
        message = str(error).splitlines()[0] if str(error) else "invalid YAML"
    return DslParseError(
        f"invalid YAML: {message}{where}",
        source=source,
        line=line,
        column=column,
        hint=_hint_for(message),
    )


def _hint_for(message: str) -> str:
    if "'\\t'" in message or "tab" in message:
        return "YAML indentation must use spaces, not tabs"
    if "mapping values are not allowed" in message:
        return "a value containing ': ' must be quoted, or the indentation is off"
    if "could not find expected ':'" in message or "expected <block end>" in message:
        return "check the indentation of this line and the one above"
    if "found duplicate anchor" in message or "found undefined alias" in message:
        return "check the & anchors and * aliases"
    if "is not a valid" in message:
        return "quote the value if it is text"
    return "fix the YAML at that place, or export the app from Dify again"


def character_name(character: int | str) -> str:
    """U+001F for a character a YAML reader refused (PyYAML gives its code, ruamel the
    character itself)."""
    code = character if isinstance(character, int) else ord(character[:1] or "\0")
    return f"U+{code:04X}"


def position_of_offset(text: str, offset: int) -> Position:
    """1-based (line, column) of a character offset into `text`."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


def compose(text: str) -> yaml.Node | None:
    """The YAML node tree (with marks) of a text that is known to parse."""
    try:
        return yaml.compose(text, Loader=_FastLoader)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader)


def locate(root: yaml.Node | None, path: TreePath, *, key: bool = False) -> Position:
    """1-based position of the value at `path` (or of its key when `key` is true).

    When the path does not exist all the way down, the position of the deepest part that
    does exist is returned, so a message about a missing key points at its parent.
    """
    node = root
    position: Position = _start(node) if node is not None else (1, 1)
    for index, element in enumerate(path):
        if isinstance(node, yaml.MappingNode):
            match = _mapping_entry(node, element)
            if match is None:
                return position
            key_node, node = match
            if key and index == len(path) - 1:
                return _start(key_node)
        elif isinstance(node, yaml.SequenceNode) and isinstance(element, int):
            if not 0 <= element < len(node.value):
                return position
            node = node.value[element]
        else:
            return position
        position = _start(node)
    return position


def _mapping_entry(node: yaml.MappingNode, element: object) -> tuple[yaml.Node, yaml.Node] | None:
    wanted = element if isinstance(element, str) else str(element)
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == wanted:
            return key_node, value_node
    return None


def _start(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


def scalar_text(root: yaml.Node | None, path: TreePath) -> str | None:
    """The source text of the scalar at `path`, as written (used to quote it in hints)."""
    node = root
    for element in path:
        if isinstance(node, yaml.MappingNode):
            match = _mapping_entry(node, element)
            if match is None:
                return None
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(element, int):
            if not 0 <= element < len(node.value):
                return None
            node = node.value[element]
        else:
            return None
    return node.value if isinstance(node, yaml.ScalarNode) else None
