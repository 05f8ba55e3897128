"""Changes that break an app's callers or its own graph.

* Start inputs are the app's API parameters (``inputs`` of the run endpoints); removing or
  renaming one breaks clients that send it, and a new required one breaks clients that
  do not. Chat apps declare them in ``model_config.user_input_form``.
* End outputs are the workflow API's result keys; answer nodes' template references are
  what a chat app streams back.
* Edges and selectors that point at nodes which no longer exist break the graph itself
  (Dify refuses to run it).

Both documents are normalised and node ids in `new` are already mapped onto `old`'s where
the diff matched nodes by type and title, so names and references compare directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dsl.diff_model import BreakingChange
from dsl.graph import (
    SPECIAL_NAMESPACES,
    TEMPLATE_REFERENCE,
    edges_of,
    iter_references,
    node_data,
    node_id,
    node_ids,
    node_title,
    nodes_of,
)
from dsl.tree import as_str


@dataclass(frozen=True)
class _Port:
    """A named input or output of the app, with what identifies it across a rename."""

    name: str
    node_id: str
    node_title: str
    position: int
    identity: str  # label of an input, selector of an output
    value_type: str = ""
    required: bool = False


def find_breaking_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[BreakingChange]:
    return [
        *_start_input_changes(_start_inputs(old), _start_inputs(new)),
        *_end_output_changes(_end_outputs(old), _end_outputs(new)),
        *_removed_answer_variables(old, new),
        *_dangling_edges(old, new),
        *_dangling_selectors(old, new),
    ]


def _start_inputs(data: Mapping[str, Any]) -> list[_Port]:
    ports: list[_Port] = []
    for node in nodes_of(data):
        payload = node_data(node)
        if payload.get("type") != "start":
            continue
        for position, variable in enumerate(payload.get("variables") or []):
            if isinstance(variable, Mapping) and variable.get("variable"):
                ports.append(_input_port(variable, node_id(node), node_title(node), position, ""))
    model_config = data.get("model_config")
    form = model_config.get("user_input_form") if isinstance(model_config, Mapping) else None
    for position, entry in enumerate(form if isinstance(form, list) else []):
        # Chat apps: each entry is {<input type>: {variable, label, required, ...}}.
        if isinstance(entry, Mapping) and len(entry) == 1:
            input_type, spec = next(iter(entry.items()))
            if isinstance(spec, Mapping) and spec.get("variable"):
                ports.append(_input_port(spec, "", "user input form", position, input_type))
    return ports


def _input_port(
    spec: Mapping[str, Any], node: str, title: str, position: int, input_type: str
) -> _Port:
    return _Port(
        name=as_str(spec["variable"]),
        node_id=node,
        node_title=title,
        position=position,
        identity=as_str(spec.get("label")),
        value_type=as_str(spec.get("type")) or input_type,
        required=bool(spec.get("required")),
    )


def _end_outputs(data: Mapping[str, Any]) -> list[_Port]:
    ports: list[_Port] = []
    for node in nodes_of(data):
        payload = node_data(node)
        if payload.get("type") != "end":
            continue
        for position, output in enumerate(payload.get("outputs") or []):
            if isinstance(output, Mapping) and output.get("variable"):
                selector = output.get("value_selector")
                ports.append(
                    _Port(
                        name=as_str(output["variable"]),
                        node_id=node_id(node),
                        node_title=node_title(node),
                        position=position,
                        identity=".".join(map(str, selector)) if isinstance(selector, list) else "",
                        value_type=as_str(output.get("value_type")),
                    )
                )
    return ports


def _match_ports(
    old: list[_Port], new: list[_Port]
) -> tuple[list[_Port], list[tuple[_Port, _Port]], list[_Port]]:
    """(removed, renamed as (old, new), added) between two lists of ports."""
    old_names = {port.name for port in old}
    new_names = {port.name for port in new}
    added = [port for port in new if port.name not in old_names]
    removed: list[_Port] = []
    renamed: list[tuple[_Port, _Port]] = []
    for port in old:
        if port.name in new_names:
            continue
        successor = _renamed_to(port, added)
        if successor is None:
            removed.append(port)
        else:
            added.remove(successor)
            renamed.append((port, successor))
    return removed, renamed, added


def _removed_and_renamed(
    kind: str, removed: list[_Port], renamed: list[tuple[_Port, _Port]]
) -> Iterator[BreakingChange]:
    """`kind` is "start input" or "end output"; codes read like "start-input-removed"."""
    code = kind.replace(" ", "-")
    for port in removed:
        yield BreakingChange(
            f"{code}-removed",
            f"{kind} '{port.name}' removed (was in node \"{port.node_title}\")",
            port.node_id or None,
            port.node_title,
        )
    for before, after in renamed:
        yield BreakingChange(
            f"{code}-renamed",
            f"{kind} '{before.name}' renamed to '{after.name}' (node \"{after.node_title}\")",
            after.node_id or None,
            after.node_title,
        )


def _start_input_changes(old: list[_Port], new: list[_Port]) -> Iterator[BreakingChange]:
    removed, renamed, added = _match_ports(old, new)
    yield from _removed_and_renamed("start input", removed, renamed)
    was_required = {port.name for port in old if port.required}
    renamed_required = {after.name for before, after in renamed if before.required}
    for port in new:
        if port.required and port.name not in was_required | renamed_required:
            verb = "new required" if port in added else "now required:"
            yield BreakingChange(
                "start-input-required",
                f"{verb} start input '{port.name}' (node \"{port.node_title}\")",
                port.node_id or None,
                port.node_title,
            )


def _end_output_changes(old: list[_Port], new: list[_Port]) -> Iterator[BreakingChange]:
    removed, renamed, _ = _match_ports(old, new)
    yield from _removed_and_renamed("end output", removed, renamed)


def _renamed_to(port: _Port, candidates: Iterable[_Port]) -> _Port | None:
    """The added port that replaces a removed one in the same node: same label (inputs) or
    selector (outputs), else the same slot with the same type."""
    candidates = [c for c in candidates if c.node_id == port.node_id]
    if port.identity:
        for candidate in candidates:
            if candidate.identity == port.identity:
                return candidate
    for candidate in candidates:
        if candidate.position == port.position and candidate.value_type == port.value_type:
            return candidate
    return None


def _answer_references(data: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    references: dict[str, tuple[str, str]] = {}
    for node in nodes_of(data):
        payload = node_data(node)
        answer = payload.get("answer")
        if payload.get("type") == "answer" and isinstance(answer, str):
            for match in TEMPLATE_REFERENCE.finditer(answer):
                references.setdefault(match.group(0), (node_id(node), node_title(node)))
    return references


def _removed_answer_variables(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> Iterator[BreakingChange]:
    new_references = _answer_references(new)
    for reference, (identifier, title) in _answer_references(old).items():
        if reference not in new_references:
            yield BreakingChange(
                "answer-variable-removed",
                f'answer no longer includes {reference} (was in node "{title}")',
                identifier,
                title,
            )


def dangling_edges(data: Mapping[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """(edge, missing end) for edges whose source or target node does not exist."""
    ids = node_ids(data)
    result: list[tuple[dict[str, Any], str]] = []
    for edge in edges_of(data):
        for end in ("source", "target"):
            if as_str(edge.get(end)) not in ids:
                result.append((edge, end))
    return result


def _dangling_edges(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[BreakingChange]:
    before = {
        (as_str(edge.get("source")), as_str(edge.get("target")), end)
        for edge, end in dangling_edges(old)
    }
    titles = {node_id(node): node_title(node) for node in nodes_of(new)}
    for edge, end in dangling_edges(new):
        source, target = as_str(edge.get("source")), as_str(edge.get("target"))
        if (source, target, end) in before:
            continue
        missing = source if end == "source" else target
        other = titles.get(target if end == "source" else source, "?")
        yield BreakingChange(
            "dangling-edge",
            f"edge {'from' if end == 'source' else 'to'} missing node {missing} "
            f'({"to" if end == "source" else "from"} "{other}")',
        )


def _dangling_selectors(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[BreakingChange]:
    old_ids = node_ids(old)
    before = {
        (reference.node_id, reference.target[0])
        for reference in iter_references(old)
        if reference.target[0] not in old_ids and reference.target[0] not in SPECIAL_NAMESPACES
    }
    new_ids = node_ids(new)
    reported: set[tuple[str, str]] = set()
    for reference in iter_references(new):
        missing = reference.target[0]
        key = (reference.node_id, missing)
        if missing in new_ids or missing in SPECIAL_NAMESPACES or key in before or key in reported:
            continue
        reported.add(key)
        yield BreakingChange(
            "dangling-selector",
            f'node "{reference.node_title}" refers to missing node {missing} '
            f"({reference.target_text})",
            reference.node_id,
            reference.node_title,
        )
