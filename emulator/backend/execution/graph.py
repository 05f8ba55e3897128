"""The workflow graph as the walker sees it: nodes by id, edges, containers' children.

Canvas-only nodes (notes: `type: custom-note`, empty `data.type`) are not part of the
run. Children of an iteration or loop carry `parentId` (and `data.iteration_id` /
`data.loop_id`); they run only inside their container.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from emulator.backend.execution.contracts import GraphRefused

CONTAINER_STARTS = frozenset({"iteration-start", "loop-start"})


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    title: str
    data: dict[str, Any]
    parent: str | None


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    handle: str


@dataclass
class Graph:
    nodes: dict[str, Node]
    edges: list[Edge]
    outgoing: dict[str, list[Edge]] = field(default_factory=dict)
    incoming: dict[str, list[Edge]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for edge in self.edges:
            self.outgoing.setdefault(edge.source, []).append(edge)
            self.incoming.setdefault(edge.target, []).append(edge)

    def children(self, parent: str) -> list[Node]:
        return [node for node in self.nodes.values() if node.parent == parent]

    def roots(self, parent: str | None) -> list[Node]:
        """Where a walk of one level begins: the start node, or a container's start."""
        level = [node for node in self.nodes.values() if node.parent == parent]
        if parent is None:
            return [node for node in level if node.type == "start"]
        container = self.nodes[parent]
        start_id = container.data.get("start_node_id")
        if isinstance(start_id, str) and start_id in self.nodes:
            return [self.nodes[start_id]]
        return [node for node in level if node.type in CONTAINER_STARTS] or [
            node for node in level if not self.incoming.get(node.id)
        ]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def graph_section(document: dict[str, Any]) -> dict[str, Any]:
    """Accepts a `graph` mapping or a whole `workflow` section holding one."""
    inner = document.get("graph") if isinstance(document, dict) else None
    return inner if isinstance(inner, dict) else document if isinstance(document, dict) else {}


def parse_graph(document: dict[str, Any]) -> Graph:
    section = graph_section(document)
    nodes: dict[str, Node] = {}
    for raw in _list(section.get("nodes")):
        if not isinstance(raw, dict) or not isinstance(raw.get("data"), dict):
            continue
        data = raw["data"]
        node_type = str(data.get("type") or "")
        if not node_type or raw.get("type") == "custom-note":
            continue
        node_id = str(raw.get("id") or "")
        parent = raw.get("parentId") or data.get("iteration_id") or data.get("loop_id")
        title = str(data.get("title") or node_id)
        nodes[node_id] = Node(node_id, node_type, title, data, str(parent) if parent else None)
    edges = [
        Edge(str(raw["source"]), str(raw["target"]), str(raw.get("sourceHandle") or "source"))
        for raw in _list(section.get("edges"))
        if isinstance(raw, dict) and raw.get("source") in nodes and raw.get("target") in nodes
    ]
    return Graph(nodes, edges)


def human_input_problems(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(node id, Dify's validation message) for each human-input node Dify refuses.

    Dify validates `HumanInputNodeData` when it saves a draft (so at import) and when it
    builds the graph for a run; a repeated user action id is refused because the ids are
    the node's output handles.
    """
    for raw in _list(graph_section(document).get("nodes")):
        data = raw.get("data") if isinstance(raw, dict) else None
        if not isinstance(data, dict) or data.get("type") != "human-input":
            continue
        seen: set[str] = set()
        for action in _list(data.get("user_actions")):
            action_id = str(action.get("id")) if isinstance(action, dict) else ""
            if action_id in seen:
                yield str(raw.get("id")), f"duplicated user action id '{action_id}'"
                break
            seen.add(action_id)


def refuse_invalid_graph(document: dict[str, Any]) -> None:
    for _node_id, message in human_input_problems(document):
        raise GraphRefused(
            "Invalid HumanInput node data: 1 validation error for HumanInputNodeData\n"
            f"user_actions\n  Value error, {message}"
        )


def input_problems(document: dict[str, Any], inputs: dict[str, Any]) -> list[str]:
    """Dify checks the start form before the run starts (`_prepare_user_inputs`), so a
    missing required input is an error before any event, with Dify's message."""
    problems = []
    for raw in _list(graph_section(document).get("nodes")):
        data = raw.get("data") if isinstance(raw, dict) else None
        if not isinstance(data, dict) or data.get("type") != "start" or raw.get("parentId"):
            continue
        for variable in _list(data.get("variables")):
            name = variable.get("variable") if isinstance(variable, dict) else None
            if name and variable.get("required") and inputs.get(name) in (None, ""):
                problems.append(f"{name} is required in input form")
    return problems
