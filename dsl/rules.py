"""Normalisation rules: each removes or masks one kind of value that is not behaviour.

Every rule is a function that changes a private copy of the document in place, with a
docstring saying what it removes and why (citing dsl-format.md). `dsl.normalize` lists
them in order and runs them over one copy; `NormalizationRule.apply` runs one of them on
its own copy, which is what the golden tests do.

Rules must be idempotent and must tolerate malformed documents (skip what is not shaped
as expected rather than raise).
"""

from __future__ import annotations

import re
from typing import Any

from dsl.dependencies import plugin_sort_key
from dsl.graph import edges_of, graph_of, nodes_of, workflow_of
from dsl.tree import as_str
from dsl.workspace import mask_workspace_bound_values

# React-Flow state written into every node wrapper by the editor (dsl-format.md §4).
_REACT_FLOW_NODE_KEYS = (
    "zIndex",
    "dragging",
    "draggable",
    "selectable",
    "extent",
    "sourcePosition",
    "targetPosition",
    "focusable",
    "deletable",
    "connectable",
    "resizing",
    "measured",
)
_PLUGIN_HASH_SUFFIX = re.compile(r"@[0-9a-fA-F]{16,}$")


def drop_viewport(data: dict[str, Any]) -> None:
    """Drop ``workflow.graph.viewport``: where the canvas was scrolled and zoomed when the
    draft was last saved (§3.4, §4). Opening the editor changes it."""
    graph_of(data).pop("viewport", None)


def drop_derived_positions(data: dict[str, Any]) -> None:
    """Drop ``positionAbsolute`` from nodes: React Flow derives it from ``position`` plus the
    parent container's offset, and it drifts on its own between nightly exports (§4)."""
    for node in nodes_of(data):
        node.pop("positionAbsolute", None)


def drop_selection_state(data: dict[str, Any]) -> None:
    """Drop ``selected`` from nodes, node data and edges: which element was last clicked in
    the editor (§4)."""
    for node in nodes_of(data):
        node.pop("selected", None)
        payload = node.get("data")
        if isinstance(payload, dict):
            payload.pop("selected", None)
    for edge in edges_of(data):
        edge.pop("selected", None)


def drop_rendered_size(data: dict[str, Any]) -> None:
    """Drop ``width``/``height`` from nodes and from node data: the rendered size, which
    changes with the UI version and the content; containers and canvas notes mirror it
    into ``data`` (§3.2, §4). No node kind reads it at run time."""
    for node in nodes_of(data):
        node.pop("width", None)
        node.pop("height", None)
        payload = node.get("data")
        if isinstance(payload, dict):
            payload.pop("width", None)
            payload.pop("height", None)


def drop_react_flow_bookkeeping(data: dict[str, Any]) -> None:
    """Drop React-Flow bookkeeping from nodes (``zIndex``, ``dragging``, ``draggable``,
    ``selectable``, ``extent``, ``sourcePosition``, ``targetPosition`` and kin) and
    ``zIndex`` from edges (§3.3, §4). Container membership stays: it is ``parentId``."""
    for node in nodes_of(data):
        for key in _REACT_FLOW_NODE_KEYS:
            node.pop(key, None)
    for edge in edges_of(data):
        edge.pop("zIndex", None)


def drop_position(data: dict[str, Any]) -> None:
    """Drop node ``position`` (optional, ``ignore_position=True``). Layout is a user's
    deliberate choice, so by default it is kept and its changes are reported as layout-only
    (§4)."""
    for node in nodes_of(data):
        node.pop("position", None)


def drop_dsl_version(data: dict[str, Any]) -> None:
    """Drop the top-level ``version``: it is the exporting server's current DSL version, not
    a property of the app, and changes with every server upgrade (§2, §4). The diff reports
    it separately as export-time information."""
    data.pop("version", None)


def strip_plugin_hash_suffixes(data: dict[str, Any]) -> None:
    """Strip ``@<sha256>`` from plugin identifiers (``org/name:1.2.3@abc…`` →
    ``org/name:1.2.3``) in ``dependencies`` and in node data: the exporter regenerates
    them from the installed packages at every export (§4, §7). The version stays."""
    for dependency in data.get("dependencies") or []:
        value = dependency.get("value") if isinstance(dependency, dict) else None
        if isinstance(value, dict):
            _strip_identifiers(value)
    for node in nodes_of(data):
        payload = node.get("data")
        if isinstance(payload, dict):
            _strip_identifiers(payload)


def _strip_identifiers(mapping: dict[str, Any]) -> None:
    for key, value in mapping.items():
        if (
            isinstance(key, str)
            and key.endswith("plugin_unique_identifier")
            and isinstance(value, str)
        ):
            mapping[key] = _PLUGIN_HASH_SUFFIX.sub("", value)


def drop_file_upload_limits(data: dict[str, Any]) -> None:
    """Drop ``file_upload.fileUploadConfig`` from workflow features and from model_config:
    it is a copy of the server's upload limits, changed by server configuration or
    version, not by the app (§3.1, §4)."""
    features = workflow_of(data).get("features")
    model_config = data.get("model_config")
    for section in (features, model_config):
        file_upload = section.get("file_upload") if isinstance(section, dict) else None
        if isinstance(file_upload, dict):
            file_upload.pop("fileUploadConfig", None)


def mask_workspace_bound(data: dict[str, Any]) -> None:
    """Mask workspace-bound values (encrypted ``dataset_ids``, ``credential_id``, workflow
    tool ids, webhook URLs, trigger subscription ids, chat-app dataset ids) with
    ``WORKSPACE_BOUND_MARKER``: they cannot match across workspaces, so they are reported
    as needing attention in the target rather than as differences (§4, §6, §9)."""
    mask_workspace_bound_values(data)


def sort_unordered_collections(data: dict[str, Any]) -> None:
    """Sort graph nodes and edges by id and dependencies by identifier: they are sets whose
    list order only records the editing history (the graph's structure is its edges), so
    two exports that list them differently describe the same app (§3.3, §7)."""
    graph = graph_of(data)
    for key in ("nodes", "edges"):
        items = graph.get(key)
        if isinstance(items, list):
            items.sort(key=_id_sort_key)
    dependencies = data.get("dependencies")
    if isinstance(dependencies, list):
        dependencies.sort(key=plugin_sort_key)


def _id_sort_key(item: Any) -> tuple[int, str]:
    return (0, as_str(item.get("id"))) if isinstance(item, dict) else (1, repr(item))
