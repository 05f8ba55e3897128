"""`safe_load` for DSL texts sent to the emulator, with a robustness guard against alias bombs.

This is NOT Dify behaviour: Dify parses a DSL with PyYAML's `yaml.safe_load`, which has no
limit on aliases, so an 8 KB "billion laughs" text (nine nested levels of nine `*alias`
references) makes the server expand billions of values once anything walks the data.
Dify would fall over; the emulator must keep answering the other tests, so it refuses such
a text as a YAML error, which the import answers like any unparseable DSL
(``failed``: "Invalid YAML format: …") and the DSL check like YAML that does not parse.

The guard measures the composed node graph before it becomes data: the values a walk would
visit (each alias counted as often as it is used) may exceed the values written in the text
by at most `MAX_EXPANDED_VALUES`, and it may nest at most `MAX_DEPTH` levels (deeper texts
would exhaust the recursive constructor; PyYAML's own `RecursionError` is turned into the
same refusal). The emulator imports nothing of difyops, so this is its own small copy.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_EXPANDED_VALUES = 1_000_000
MAX_DEPTH = 200

# Dify's `yaml.safe_load` is PyYAML's pure-Python SafeLoader; libyaml reads some inputs
# differently (it refuses a lone surrogate escape such as "\ud83d" that SafeLoader takes),
# so the emulator parses with the same loader as the server.
_Loader: type[yaml.SafeLoader] = yaml.SafeLoader


class HostileYamlError(yaml.YAMLError):
    """The text would cost the emulator too much to load (an emulator-only refusal)."""


def safe_load(text: str) -> Any:
    """`yaml.safe_load(text)`, refusing alias bombs and absurd nesting with `HostileYamlError`
    (a `yaml.YAMLError`, so callers' YAML error handling answers it)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check(node)
        return None if node is None else loader.construct_document(node)
    except RecursionError:
        raise HostileYamlError(f"the document nests deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def _check(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}
    seen: set[int] = set()
    written = 0
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        children = _children(node)
        if done:
            total = 1
            for child in children:
                size = sizes.get(id(child))
                if size is None:
                    raise HostileYamlError(f"recursive alias {_where(child)}")
                total += size
            sizes[id(node)] = total
            if total > written + MAX_EXPANDED_VALUES:
                raise HostileYamlError(
                    f"aliases expand the value {_where(node)} to {total:,} values "
                    f"(alias bomb; the emulator's limit is {MAX_EXPANDED_VALUES:,})"
                )
            continue
        if depth > MAX_DEPTH:
            raise HostileYamlError(f"the document nests deeper than {MAX_DEPTH} levels")
        if id(node) in seen:  # an alias: measured once, counted at each use
            continue
        seen.add(id(node))
        written += 1
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _where(node: yaml.Node) -> str:
    mark = node.start_mark
    return f"at line {mark.line + 1}, column {mark.column + 1}"
