"""Refuse hostile YAML before anything walks it: alias bombs, deep nesting, huge texts.

A YAML alias (``*name``) repeats the node its anchor (``&name``) marks. Both PyYAML and
ruamel share the node, so loading an 8 KB "billion laughs" text is quick — but every walk
of the data afterwards (normalising, diffing, dumping, serialising) visits each repeat, and
nine nested levels of nine aliases make billions of them. So the composed node graph is
measured before it becomes data: its *expanded* size (what a walk would visit, aliases
counted as often as they are used) must stay within a budget, and its depth within a
limit the recursive constructors can handle (the parsers themselves recurse too: their
`RecursionError` becomes the same refusal). Texts above Dify's import limit (10 MB) are
refused before they are parsed at all.

A scalar the constructors cannot turn into a value (an integer of 5,000 digits, which
Python refuses to convert; `!!int xyz`; `!!timestamp 2020-13-45`) is refused at its place
too: `located_values` makes the constructors' `ValueError`s and friends a marked YAML error.

Aliases themselves are fine (PyYAML's dumper writes one for each object shared in the data),
and the budget is generous for any real file and tiny for a bomb. The graph check is iterative.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_TEXT_BYTES = 10 * 1024 * 1024  # Dify refuses DSL imports above 10 MB
# Nodes a walk of the loaded data may visit beyond those written in the text.
MAX_EXPANDED_NODES = 1_000_000
MAX_DEPTH = 200


class HostileYamlError(ValueError):
    """The text would be too costly to load; `line` and `column` are 1-based."""

    def __init__(self, message: str, *, line: int = 1, column: int = 1, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


def check_text_size(text: str, *, dsl: bool = True) -> None:
    """Refuse a text above 10 MB (counted in UTF-8 bytes): Dify's import limit for a DSL,
    and difyops' limit for its own YAML files (`dsl=False`)."""
    # len(text) is a lower bound of the byte size: only encode when it could matter.
    if len(text) * 4 <= MAX_TEXT_BYTES:
        return
    check_byte_size(len(text.encode("utf-8", errors="surrogatepass")), dsl=dsl)


def check_byte_size(size: int, *, dsl: bool = True) -> None:
    """`check_text_size` for a text of `size` bytes (a file's size, before reading it)."""
    if size > MAX_TEXT_BYTES:
        if dsl:
            raise HostileYamlError(
                f"the DSL is {size:,} bytes; Dify refuses imports above {MAX_TEXT_BYTES:,} "
                "bytes (10 MB)",
                hint="make the app smaller (long prompts, inline files) and export it again",
            )
        raise HostileYamlError(
            f"the file is {size:,} bytes; difyops reads YAML files of at most "
            f"{MAX_TEXT_BYTES:,} bytes (10 MB)",
            hint="split it into smaller files",
        )


def check_node_graph(root: Any) -> None:
    """Refuse a composed node graph (PyYAML's or ruamel's nodes) that a walk of the loaded
    data could not afford: too large once its aliases are expanded, or too deep. The number
    of aliases alone is no limit: PyYAML's dumper writes one for every shared object."""
    if root is None:
        return
    # Post-order over distinct nodes without recursion; expanded sizes memoised by id.
    sizes: dict[int, int] = {}
    seen_uses: dict[int, int] = {}
    written = 0
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            total = 1
            for child in _children(node):
                size = sizes.get(id(child))
                if size is None:  # an alias of an ancestor: the data would be infinite
                    raise _bomb(child, "the YAML refers to itself through an alias")
                total += size
            sizes[key] = total
            if total > MAX_EXPANDED_NODES and total > written + MAX_EXPANDED_NODES:
                raise _bomb(
                    node,
                    f"the YAML's aliases expand this value to {total:,} values "
                    f"(an alias bomb; the limit is {MAX_EXPANDED_NODES:,})",
                )
            continue
        if depth > MAX_DEPTH:
            raise too_deep(node.start_mark.line + 1, node.start_mark.column + 1)
        uses = seen_uses.get(key, 0)
        seen_uses[key] = uses + 1
        if uses:  # an alias: measured once, counted at each use
            continue
        written += 1
        stack.append((node, depth, True))
        for child in _children(node):
            stack.append((child, depth + 1, False))


def _children(node: Any) -> list[Any]:
    value = node.value
    if not isinstance(value, list):
        return []
    children: list[Any] = []
    for item in value:
        if isinstance(item, tuple):
            children.extend(item)
        else:
            children.append(item)
    return children


def _bomb(node: Any, message: str) -> HostileYamlError:
    mark = node.start_mark
    return HostileYamlError(
        message,
        line=mark.line + 1,
        column=mark.column + 1,
        hint="write the repeated values out, or use fewer nested & anchors and * aliases",
    )


def too_deep(line: int = 1, column: int = 1) -> HostileYamlError:
    return HostileYamlError(
        f"the YAML nests deeper than {MAX_DEPTH} levels",
        line=line,
        column=column,
        hint="a Dify DSL is a few dozen levels deep; this text was not exported by Dify",
    )


# What a constructor raises for a scalar it cannot convert (int(), float(), datetime(),
# the boolean table); a bug of ours would not come from the YAML library's constructors.
UNCONSTRUCTIBLE = (ValueError, KeyError, TypeError, OverflowError)


# Python refuses to print an integer of more than 4,300 digits (about 14,000 bits): one
# read from hex would break every message that quotes it.
_MAX_INT_BITS = 14_000


def checked_value(value: Any) -> Any:
    """`value`, unless it is an integer too large to print (then a `ValueError`)."""
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        raise ValueError("integer too large")
    return value


def unconstructible_problem(node: Any, error: Exception) -> str:
    """What to say about a node its constructor refused with `error`."""
    tag = str(getattr(node, "tag", "") or "").rsplit(":", 1)[-1] or "value"
    value = node.value if isinstance(node.value, str) else None
    if value is None:
        return f"this {tag} cannot be read ({type(error).__name__})"
    shown = repr(value) if len(value) <= 40 else f"{value[:20]!r}… ({len(value):,} characters)"
    return f"the value {shown} is not a valid {tag}"


def located_values(loader_class: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """`loader_class`, its constructors' refusals of a value raised as `ConstructorError`s
    at the value's place (a subclass, made once per class)."""
    located = _LOCATED.get(loader_class)
    if located is None:
        located = _LOCATED[loader_class] = _make_located(loader_class)
    return located


_LOCATED: dict[type[yaml.SafeLoader], type[yaml.SafeLoader]] = {}


def _make_located(loader_class: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    def construct_object(self: Any, node: Any, deep: bool = False) -> Any:
        try:
            return checked_value(loader_class.construct_object(self, node, deep=deep))
        except UNCONSTRUCTIBLE as error:
            raise yaml.constructor.ConstructorError(
                None, None, unconstructible_problem(node, error), node.start_mark
            ) from None

    return type(loader_class.__name__, (loader_class,), {"construct_object": construct_object})


def load_pyyaml(text: str, loader_class: type[yaml.SafeLoader], *, dsl: bool = True) -> Any:
    """`yaml.load(text, Loader=loader_class)` with the size, alias and depth guards, and
    located refusals of values that cannot be constructed."""
    check_text_size(text, dsl=dsl)
    loader = located_values(loader_class)(text)
    try:
        node = loader.get_single_node()
        check_node_graph(node)
        return None if node is None else loader.construct_document(node)
    except RecursionError:
        raise too_deep() from None
    finally:
        loader.dispose()


def is_nesting_error(error: Exception) -> bool:
    """libyaml's own refusal of deep nesting ("exceeded maximum nesting depth")."""
    return "maximum nesting depth" in str(getattr(error, "problem", "") or error)
