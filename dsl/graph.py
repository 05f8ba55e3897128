"""Reading the workflow graph: nodes, edges, variables and the references between them.

Nodes and edges live under ``workflow.graph`` (dsl-format.md §3.2, §3.3). A node is a
React-Flow wrapper (``id``, ``type``, ``position`` …) around a ``data`` payload whose
``type`` is the real node kind; canvas notes have wrapper type ``custom-note`` and an
empty ``data.type``.

Nodes refer to each other's outputs in two ways (§3.2): value selectors, lists such as
``[node_id, "text"]`` under keys like ``value_selector``, and template references such as
``{{#node_id.text#}}`` inside strings. The first element may also be one of the special
namespaces ``sys``, ``env`` and ``conversation``. Everything here tolerates malformed
input (hand-written files): entries of the wrong type are skipped, never raised on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dsl.tree import TreePath, as_str

SPECIAL_NAMESPACES = frozenset({"sys", "env", "conversation"})
NOTE_WRAPPER_TYPE = "custom-note"
GRAPH_PATH: TreePath = ("workflow", "graph")
NODES_PATH: TreePath = ("workflow", "graph", "nodes")
EDGES_PATH: TreePath = ("workflow", "graph", "edges")
ENVIRONMENT_PATH: TreePath = ("workflow", "environment_variables")
CONVERSATION_PATH: TreePath = ("workflow", "conversation_variables")

# {{#node_id.var#}} and {{#sys.query#}}; `{{#context#}}` (no dot) is an LLM placeholder,
# not a reference to a node.
TEMPLATE_REFERENCE = re.compile(r"\{\{#([^#{}.\s]+)\.([^#{}\s]+?)#\}\}")
# Keys whose list values are selectors besides the `*selector` family: the
# parameter-extractor's `query` and the list-operator's `variable`.
_SELECTOR_KEYS = frozenset({"query", "variable"})
# Code is not templated, so `{{#` inside a script is not a reference.
_NOT_TEMPLATED_KEYS = frozenset({"code"})


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def workflow_of(data: Mapping[str, Any]) -> dict[str, Any]:
    return _mapping(data.get("workflow"))


def graph_of(data: Mapping[str, Any]) -> dict[str, Any]:
    return _mapping(workflow_of(data).get("graph"))


def nodes_of(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The graph's node wrappers (entries that are not mappings are skipped)."""
    return [node for node in _list(graph_of(data).get("nodes")) if isinstance(node, dict)]


def indexed_nodes(data: Mapping[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index in the document's node list, node) — indexes make paths into the file."""
    for index, node in enumerate(_list(graph_of(data).get("nodes"))):
        if isinstance(node, dict):
            yield index, node


def indexed_edges(data: Mapping[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, edge in enumerate(_list(graph_of(data).get("edges"))):
        if isinstance(edge, dict):
            yield index, edge


def edges_of(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [edge for _, edge in indexed_edges(data)]


def node_id(node: Mapping[str, Any]) -> str:
    return as_str(node.get("id"))


def node_data(node: Mapping[str, Any]) -> dict[str, Any]:
    return _mapping(node.get("data"))


def is_note(node: Mapping[str, Any]) -> bool:
    """Canvas sticky notes: documentation on the canvas, no behaviour."""
    return node.get("type") == NOTE_WRAPPER_TYPE


def node_type(node: Mapping[str, Any]) -> str:
    """The node kind (``data.type``); ``note`` for canvas notes."""
    if is_note(node):
        return "note"
    return as_str(node_data(node).get("type"))


def node_title(node: Mapping[str, Any]) -> str:
    title = as_str(node_data(node).get("title"))
    return title or node_id(node)


def node_ids(data: Mapping[str, Any]) -> set[str]:
    return {node_id(node) for node in nodes_of(data)}


def environment_variables(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [v for v in _list(workflow_of(data).get("environment_variables")) if isinstance(v, dict)]


def conversation_variables(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        v for v in _list(workflow_of(data).get("conversation_variables")) if isinstance(v, dict)
    ]


def variable_names(data: Mapping[str, Any], namespace: str) -> set[str]:
    """Names defined in the ``env`` or ``conversation`` namespace."""
    variables = environment_variables(data) if namespace == "env" else conversation_variables(data)
    return {as_str(variable.get("name")) for variable in variables}


@dataclass(frozen=True)
class Reference:
    """One place where a node refers to a variable: a selector or a template reference.

    `path` is the path from the document root to the selector list or to the string that
    contains the template; `target` is the referenced selector, e.g. ``("123", "text")``.
    """

    node_id: str
    node_title: str
    path: TreePath
    target: tuple[str, ...]
    form: Literal["selector", "template"]

    @property
    def target_text(self) -> str:
        if self.form == "template":
            return "{{#" + ".".join(self.target) + "#}}"
        return "[" + ", ".join(self.target) + "]"


def iter_references(data: Mapping[str, Any]) -> Iterator[Reference]:
    """Every selector and template reference made by the graph's nodes."""
    for index, node in indexed_nodes(data):
        base = (*NODES_PATH, index, "data")
        identity = (node_id(node), node_title(node))
        for path, target, form in references_in(node_data(node)):
            yield Reference(identity[0], identity[1], (*base, *path), target, form)


def references_in(
    value: Any, path: TreePath = ()
) -> Iterator[tuple[TreePath, tuple[str, ...], Literal["selector", "template"]]]:
    """(path, target, form) for each reference inside one node's data."""
    if isinstance(value, str):
        for match in TEMPLATE_REFERENCE.finditer(value):
            yield path, (match.group(1), *match.group(2).split(".")), "template"
    elif isinstance(value, dict):
        variable_valued = _holds_variable_value(value)
        for key, item in value.items():
            item_path = (*path, key)
            if (
                isinstance(key, str)
                and _is_selector(item)
                and (
                    key.endswith("selector")
                    or key in _SELECTOR_KEYS
                    or (key == "value" and variable_valued)
                )
            ):
                yield item_path, tuple(item), "selector"
            elif (
                key == "variables"
                and isinstance(item, list)
                and item
                and all(_is_selector(entry) for entry in item)
            ):
                # variable-aggregator (and its groups): a list of selectors.
                for index, entry in enumerate(item):
                    yield (*item_path, index), tuple(entry), "selector"
            elif key not in _NOT_TEMPLATED_KEYS:
                yield from references_in(item, item_path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from references_in(item, (*path, index))


def _holds_variable_value(mapping: Mapping[str, Any]) -> bool:
    """``{type: variable, value: [...]}`` (tool/agent parameters), ``{input_type: variable}``
    (assigner v2 items) and ``{value_type: variable}`` (loop variables)."""
    return "variable" in (mapping.get("type"), mapping.get("input_type"), mapping.get("value_type"))


def _is_selector(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(part, str) and part for part in value)
    )


# Keys whose string value is a node id (container membership and entry points).
_ID_VALUED_KEYS = frozenset({"start_node_id", "iteration_id", "loop_id", "parentId"})


def rename_node_ids(data: dict[str, Any], renames: Mapping[str, str]) -> None:
    """Rewrite node ids everywhere they are used, in place (callers pass a private copy).

    Used by the diff when a node was matched by type and title although its id changed:
    references to the new id are rewritten to the old one so they do not show up as
    differences of their own.
    """
    if not renames:
        return
    pattern = re.compile(r"\{\{#(" + "|".join(re.escape(old) for old in renames) + r")\.")
    for node in nodes_of(data):
        if node_id(node) in renames:
            node["id"] = renames[node_id(node)]
        # Only a key that is there: a node with an empty id must not rename absent ones.
        if "parentId" in node and as_str(node["parentId"]) in renames:
            node["parentId"] = renames[as_str(node["parentId"])]
        if "data" in node:
            node["data"] = _rename_in(node["data"], renames, pattern)
    for edge in edges_of(data):
        for key in ("source", "target"):
            if key in edge and as_str(edge[key]) in renames:
                edge[key] = renames[as_str(edge[key])]
        if "data" in edge:
            edge["data"] = _rename_in(edge["data"], renames, pattern)


def _rename_in(value: Any, renames: Mapping[str, str], pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(lambda m: "{{#" + renames[m.group(1)] + ".", value)
    if isinstance(value, list):
        renamed = [_rename_in(item, renames, pattern) for item in value]
        if _is_selector(renamed) and renamed[0] in renames:
            renamed[0] = renames[renamed[0]]
        return renamed
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key in _ID_VALUED_KEYS and isinstance(item, str) and item in renames:
                result[key] = renames[item]
            else:
                result[key] = _rename_in(item, renames, pattern)
        return result
    return value
