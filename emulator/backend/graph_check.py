"""Problems in a workflow graph, each located: what S3's `imports:check` reports.

Dify's `services/workflow/graph_check.py` (at 32142c3e) runs four checks over the graph
(app mode, node data, edges, references) plus an optional resource check, and gives each
problem an `IssueCode` whose severity is `error` (the S3 import refuses it) except for
`resource_unavailable` (a warning: the import allows it, the release check does not).

The emulator keeps the checks that follow from the graph alone: mode-refused node types,
unknown node types, a container's `start_node_id`, edge endpoints, branch handles of
if-else and question-classifier nodes (plus `fail-branch`), and variable references to
nodes not in the graph. It does not validate node data against Dify's per-node pydantic
models (`node_data_invalid`) and has no model credentials to report as unavailable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

# `graphon.enums.BuiltinNodeTypes` and `core.trigger.constants.TRIGGER_NODE_TYPES`.
TRIGGER_NODE_TYPES: Final = frozenset({"trigger-webhook", "trigger-schedule", "trigger-plugin"})
KNOWN_NODE_TYPES: Final = frozenset(
    {
        "start", "end", "answer", "llm", "knowledge-retrieval", "knowledge-index", "if-else",
        "code", "template-transform", "question-classifier", "http-request", "tool",
        "datasource", "variable-aggregator", "variable-assigner", "loop", "loop-start",
        "loop-end", "iteration", "iteration-start", "parameter-extractor", "assigner",
        "document-extractor", "list-operator", "agent", "human-input", *TRIGGER_NODE_TYPES,
    }
)  # fmt: skip
_CONTAINER_TYPES: Final = frozenset({"iteration", "loop"})
_CANVAS_NOTE_TYPE: Final = "custom-note"
_ROOT_SELECTORS: Final = frozenset({"sys", "env", "conversation"})
_SOURCE_HANDLE: Final = "source"
_ELSE_HANDLE: Final = "false"
_LEGACY_IF_HANDLE: Final = "true"
_FAIL_BRANCH: Final = "fail-branch"
_SELECTOR_KEYS: Final = frozenset({"variable_selector", "value_selector"})
_TEMPLATE_REF: Final = re.compile(r"\{\{#([\w-]+)\.[\w.-]+#\}\}")

ERROR: Final = "error"
WARNING: Final = "warning"
_WARNING_CODES: Final = frozenset({"resource_unavailable"})


@dataclass(frozen=True)
class GraphIssue:
    code: str
    message: str
    node_id: str | None = None
    loc: tuple[str | int, ...] = field(default_factory=tuple)

    @property
    def severity(self) -> str:
        return WARNING if self.code in _WARNING_CODES else ERROR

    def row(self) -> dict[str, Any]:
        """The wire shape of Dify's `DslIssueRow`."""
        return {
            "code": self.code,
            "severity": self.severity,
            "node_id": self.node_id,
            "loc": list(self.loc),
            "message": self.message,
        }


def refused_node_types(mode: str) -> frozenset[str]:
    if mode == "advanced-chat":
        return frozenset({"end", *TRIGGER_NODE_TYPES})
    return frozenset({"answer"})


@dataclass(frozen=True)
class _Graph:
    nodes: Mapping[str, Mapping[str, Any]]
    edges: Sequence[Mapping[str, Any]]
    mode: str


def _data(node: Mapping[str, Any] | None) -> Mapping[str, Any]:
    data = node.get("data") if node else None
    return data if isinstance(data, Mapping) else {}


def _mode_issues(graph: _Graph) -> Iterator[GraphIssue]:
    refused = refused_node_types(graph.mode)
    for node_id, node in graph.nodes.items():
        node_type = _data(node).get("type")
        if node_type in refused:
            yield GraphIssue(
                "mode_incompatible",
                f"A {graph.mode} app can't hold a {node_type} node",
                node_id,
                ("nodes", node_id, "data", "type"),
            )


def _node_issues(graph: _Graph) -> Iterator[GraphIssue]:
    for node_id, node in graph.nodes.items():
        data = _data(node)
        node_type = str(data.get("type", ""))
        if node_type not in KNOWN_NODE_TYPES:
            yield GraphIssue(
                "unknown_node_type",
                f"Unknown node type {node_type!r}",
                node_id,
                ("nodes", node_id, "data", "type"),
            )
            continue
        start = data.get("start_node_id")
        if node_type in _CONTAINER_TYPES and start and start not in graph.nodes:
            yield GraphIssue(
                "container_start_missing",
                f"start_node_id {start!r} is not in the graph",
                node_id,
                ("nodes", node_id, "data", "start_node_id"),
            )


def _handles(data: Mapping[str, Any]) -> frozenset[str] | None:
    """Valid source handles for nodes whose handles carry meaning; None: not checked."""
    extra = {_FAIL_BRANCH} if data.get("error_strategy") == _FAIL_BRANCH else set()
    node_type = data.get("type")
    if node_type == "if-else":
        cases = data.get("cases")
        if cases is None:
            return frozenset({_LEGACY_IF_HANDLE, _ELSE_HANDLE} | extra)
        if not isinstance(cases, list):
            return None
        ids = {str(c.get("case_id")) for c in cases if isinstance(c, Mapping)}
        return frozenset(ids | {_ELSE_HANDLE} | extra)
    if node_type == "question-classifier":
        classes = data.get("classes") or []
        if not isinstance(classes, list):
            return None
        return frozenset({str(c.get("id")) for c in classes if isinstance(c, Mapping)} | extra)
    return None


def _edge_issues(graph: _Graph) -> Iterator[GraphIssue]:
    for index, edge in enumerate(graph.edges):
        edge_id = str(edge.get("id", index))
        for end in ("source", "target"):
            if edge.get(end) not in graph.nodes:
                yield GraphIssue(
                    "edge_endpoint_missing",
                    f"Edge {end} {edge.get(end)!r} is not a node",
                    None,
                    ("edges", edge_id, end),
                )
        source = graph.nodes.get(str(edge.get("source")))
        valid = _handles(_data(source)) if source else None
        handle = str(edge.get("sourceHandle", _SOURCE_HANDLE))
        if valid is not None and handle not in valid:
            yield GraphIssue(
                "branch_handle_invalid",
                f"sourceHandle {handle!r} is not a branch of {edge.get('source')!r};"
                f" use one of {sorted(valid)}",
                str(edge.get("source")),
                ("edges", edge_id, "sourceHandle"),
            )


def _referenced_nodes(value: Any, key: str | None = None) -> Iterator[str]:
    """Node ids a node's data reads: selectors (`[node, var]`) and `{{#node.var#}}` text."""
    if isinstance(value, str):
        yield from _TEMPLATE_REF.findall(value)
    elif isinstance(value, Mapping):
        for child_key, child in value.items():
            yield from _referenced_nodes(child, str(child_key))
    elif isinstance(value, list):
        if key in _SELECTOR_KEYS and value and all(isinstance(part, str) for part in value):
            yield value[0]
            return
        for item in value:
            yield from _referenced_nodes(item)


def _reference_issues(graph: _Graph) -> Iterator[GraphIssue]:
    for node_id, node in graph.nodes.items():
        reported: set[str] = set()
        for target in _referenced_nodes(_data(node)):
            if target in _ROOT_SELECTORS or target in graph.nodes or target in reported:
                continue
            reported.add(target)
            yield GraphIssue(
                "reference_missing",
                f"It reads node {target!r}, which is not in the graph",
                node_id,
                ("nodes", node_id, "data"),
            )


_CHECKS: Final = (_mode_issues, _node_issues, _edge_issues, _reference_issues)


def check_graph(graph: Mapping[str, Any], *, mode: str) -> list[GraphIssue]:
    nodes = graph.get("nodes")
    if not isinstance(nodes, list):
        return [GraphIssue("graph_invalid", "graph.nodes must be a list", None, ("nodes",))]
    edges = graph.get("edges") or []
    view = _Graph(
        nodes={
            str(n.get("id")): n
            for n in nodes
            if isinstance(n, Mapping) and n.get("type") != _CANVAS_NOTE_TYPE
        },
        edges=[e for e in edges if isinstance(e, Mapping)] if isinstance(edges, list) else [],
        mode=mode,
    )
    issues: list[GraphIssue] = []
    for check in _CHECKS:
        issues.extend(check(view))
    return issues


def errors_of(issues: Iterable[GraphIssue]) -> list[GraphIssue]:
    return [issue for issue in issues if issue.severity == ERROR]
