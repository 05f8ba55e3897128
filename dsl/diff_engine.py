"""Computing the semantic diff of two DSLs.

Both sides are normalised first (`dsl.normalize`), so canvas noise, export-time churn and
workspace-bound values never show up as differences. Then:

* nodes are matched by id, and the leftovers by (type, title) when that pairs them
  one-to-one (dsl-format.md §4: ids are stable, but a recreated node gets a new one);
  references to a re-identified node are mapped back before comparing, so only real
  changes remain;
* matched nodes that differ are compared with deepdiff, field by field;
* edges are compared by what they connect (source, handle, target), not by their id,
  which is derived from those;
* variables are matched by id then name, dependencies by plugin.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dsl.breaking import find_breaking_changes
from dsl.dependencies import PluginRef, plugin_ref
from dsl.diff_model import (
    ABSENT,
    KIND_ORDER,
    Category,
    ChangeKind,
    DependencyChange,
    DslDiff,
    EdgeChange,
    FieldChange,
    NodeChange,
    SectionChange,
)
from dsl.document import DEFAULT_DSL_VERSION, DslDocument, as_data, load_file
from dsl.field_diff import field_changes, hide_secrets, simple_change
from dsl.graph import (
    edges_of,
    is_note,
    node_data,
    node_id,
    node_title,
    node_type,
    nodes_of,
    rename_node_ids,
    workflow_of,
)
from dsl.normalize import normalize
from dsl.secrets import secret_paths
from dsl.tree import TreePath, as_str
from dsl.variable_diff import variable_changes
from dsl.workspace import WorkspaceBoundRef, workspace_bound_refs

_KNOWN_TOP_LEVEL = frozenset({"app", "kind", "version", "workflow", "model_config", "dependencies"})
_KNOWN_WORKFLOW = frozenset(
    {"graph", "features", "environment_variables", "conversation_variables"}
)
_KNOWN_GRAPH = frozenset({"nodes", "edges", "viewport"})
_APP_BEHAVIOUR_FIELDS = frozenset({"mode"})


def diff_documents(
    old: DslDocument | Mapping[str, Any],
    new: DslDocument | Mapping[str, Any],
    *,
    ignore_position: bool = False,
) -> DslDiff:
    """The semantic difference old → new (documents or plain data)."""
    old_data, new_data = as_data(old), as_data(new)
    old_norm = normalize(old_data, ignore_position=ignore_position)
    new_norm = normalize(new_data, ignore_position=ignore_position)
    renames = _match_renamed_nodes(old_norm, new_norm)
    rename_node_ids(new_norm, renames)  # new_norm is our own copy
    return DslDiff(
        old_label=old.source if isinstance(old, DslDocument) else "old",
        new_label=new.source if isinstance(new, DslDocument) else "new",
        app=tuple(_section_changes("app", old_norm.get("app"), new_norm.get("app"), _app_category)),
        nodes=tuple(_node_changes(old_norm, new_norm, {v: k for k, v in renames.items()})),
        edges=tuple(_edge_changes(old_norm, new_norm)),
        variables=tuple(variable_changes(old_norm, new_norm)),
        features=tuple(
            _section_changes(
                "features",
                workflow_of(old_norm).get("features"),
                workflow_of(new_norm).get("features"),
            )
        ),
        model_config=tuple(
            _section_changes(
                "model_config", old_norm.get("model_config"), new_norm.get("model_config")
            )
        ),
        dependencies=tuple(_dependency_changes(old_norm, new_norm)),
        other=tuple(_other_changes(old_norm, new_norm)),
        version=_version_change(old_data, new_data),
        breaking=tuple(find_breaking_changes(old_norm, new_norm)),
        attention=tuple(_attention(old_data, new_data)),
        ignore_position=ignore_position,
    )


# --- nodes ------------------------------------------------------------------------------


def _match_renamed_nodes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, str]:
    """new id → old id for unmatched nodes that pair one-to-one by (type, title)."""
    old_ids = {node_id(node) for node in nodes_of(old)}
    new_ids = {node_id(node) for node in nodes_of(new)}

    def by_identity(nodes: Iterable[dict[str, Any]], unmatched: set[str]) -> dict[Any, list[str]]:
        groups: dict[Any, list[str]] = {}
        for node in nodes:
            title = as_str(node_data(node).get("title"))
            if node_id(node) in unmatched and title:
                groups.setdefault((node_type(node), title), []).append(node_id(node))
        return groups

    old_groups = by_identity(nodes_of(old), old_ids - new_ids)
    new_groups = by_identity(nodes_of(new), new_ids - old_ids)
    return {
        new_group[0]: old_groups[key][0]
        for key, new_group in new_groups.items()
        if len(new_group) == 1 and len(old_groups.get(key, [])) == 1
    }


def _node_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], new_id_of: Mapping[str, str]
) -> list[NodeChange]:
    old_nodes = {node_id(node): node for node in nodes_of(old)}
    new_nodes = {node_id(node): node for node in nodes_of(new)}
    changes: list[NodeChange] = []
    for identifier, node in new_nodes.items():
        if identifier not in old_nodes:
            changes.append(_whole_node(ChangeKind.ADDED, node))
    for identifier, node in old_nodes.items():
        if identifier not in new_nodes:
            changes.append(_whole_node(ChangeKind.REMOVED, node))
    for identifier, before in old_nodes.items():
        after = new_nodes.get(identifier)
        renamed_to = new_id_of.get(identifier)
        if after is None or (after == before and renamed_to is None):
            continue
        fields = _node_field_changes(before, after)
        if not fields and renamed_to is None:
            continue
        layout_only = bool(fields) and all(change.path[:1] == ("position",) for change in fields)
        if is_note(after) or layout_only:
            category = Category.LAYOUT
        else:  # an id change alone (matched by type and title) changes nothing the app does
            category = Category.BEHAVIOUR if fields else Category.METADATA
        changes.append(
            NodeChange(
                ChangeKind.CHANGED,
                renamed_to or identifier,
                node_title(after),
                node_type(after),
                category,
                tuple(fields),
                old_id=identifier if renamed_to else None,
            )
        )
    changes.sort(key=lambda c: (KIND_ORDER[c.kind], c.title, c.node_id))
    return changes


def _whole_node(kind: ChangeKind, node: Mapping[str, Any]) -> NodeChange:
    category = Category.LAYOUT if is_note(node) else Category.BEHAVIOUR
    return NodeChange(kind, node_id(node), node_title(node), node_type(node), category)


def _node_field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """Wrapper fields (``position``, ``parentId`` …) by name, then data fields by path."""
    changes: list[FieldChange] = []
    for key in sorted(set(before) | set(after), key=str):
        if key in ("data", "id") or before.get(key, ABSENT) == after.get(key, ABSENT):
            continue
        changes.append(simple_change((key,), before.get(key, ABSENT), after.get(key, ABSENT)))
    old_data, new_data = node_data(before), node_data(after)
    if old_data != new_data:
        hidden = [*secret_paths(old_data), *secret_paths(new_data)]
        changes.extend(hide_secrets(field_changes(old_data, new_data), hidden))
    return changes


# --- edges ------------------------------------------------------------------------------

_EdgeKey = tuple[str, str, str, str]


def _edge_key(edge: Mapping[str, Any]) -> _EdgeKey:
    return (
        as_str(edge.get("source")),
        as_str(edge.get("sourceHandle")),
        as_str(edge.get("target")),
        as_str(edge.get("targetHandle")),
    )


def _edge_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[EdgeChange]:
    titles = {node_id(node): node_title(node) for node in (*nodes_of(old), *nodes_of(new))}
    old_edges = {_edge_key(edge): edge for edge in edges_of(old)}
    new_edges = {_edge_key(edge): edge for edge in edges_of(new)}
    changes: list[EdgeChange] = []

    def change(kind: ChangeKind, key: _EdgeKey, fields: list[FieldChange]) -> EdgeChange:
        source, source_handle, target, target_handle = key
        return EdgeChange(
            kind,
            source,
            target,
            source_handle,
            target_handle,
            titles.get(source, source),
            titles.get(target, target),
            Category.BEHAVIOUR,
            tuple(fields),
        )

    for key in new_edges.keys() - old_edges.keys():
        changes.append(change(ChangeKind.ADDED, key, []))
    for key in old_edges.keys() - new_edges.keys():
        changes.append(change(ChangeKind.REMOVED, key, []))
    for key in old_edges.keys() & new_edges.keys():
        before = {k: v for k, v in old_edges[key].items() if k != "id"}
        after = {k: v for k, v in new_edges[key].items() if k != "id"}
        if before != after:
            changes.append(change(ChangeKind.CHANGED, key, field_changes(before, after)))
    changes.sort(key=lambda c: (KIND_ORDER[c.kind], c.source_title, c.target_title, c.label))
    return changes


# --- sections ---------------------------------------------------------------------------


def _app_category(path: TreePath) -> Category:
    return (
        Category.BEHAVIOUR if path[:1] and path[0] in _APP_BEHAVIOUR_FIELDS else Category.METADATA
    )


def _section_changes(
    section: str,
    old: Any,
    new: Any,
    category: Callable[[TreePath], Category] = lambda _: Category.BEHAVIOUR,
) -> list[SectionChange]:
    if old == new:
        return []
    old = ABSENT if old is None else old
    new = ABSENT if new is None else new
    hidden = [*secret_paths(old), *secret_paths(new)]
    return [
        SectionChange(section, change, category(change.path))
        for change in hide_secrets(field_changes(old, new), hidden)
    ]


def _other_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[SectionChange]:
    """Anything outside the known sections (``agent``, ``rag_pipeline_variables`` …), so no
    difference goes unreported."""
    changes: list[SectionChange] = []
    scopes: list[tuple[str, Mapping[str, Any], Mapping[str, Any], frozenset[str]]] = [
        ("", old, new, _KNOWN_TOP_LEVEL - {"kind"}),
        ("workflow.", workflow_of(old), workflow_of(new), _KNOWN_WORKFLOW),
        ("workflow.graph.", _graph(old), _graph(new), _KNOWN_GRAPH),
    ]
    for prefix, before, after, known in scopes:
        for key in sorted((set(before) | set(after)) - known, key=str):
            changes.extend(_section_changes(f"{prefix}{key}", before.get(key), after.get(key)))
    return changes


def _graph(data: Mapping[str, Any]) -> Mapping[str, Any]:
    graph = workflow_of(data).get("graph")
    return graph if isinstance(graph, Mapping) else {}


# --- dependencies, version, attention -----------------------------------------------------


def _dependency_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[DependencyChange]:
    def plugins(data: Mapping[str, Any]) -> dict[str, PluginRef]:
        entries = data.get("dependencies")
        refs = (plugin_ref(entry) for entry in (entries if isinstance(entries, list) else []))
        return {ref.plugin: ref for ref in refs if ref is not None}

    before, after = plugins(old), plugins(new)
    changes: list[DependencyChange] = []
    for plugin in sorted(before.keys() | after.keys()):
        was, now = before.get(plugin), after.get(plugin)
        if was == now:
            continue
        if was is None or now is None:
            ref = now or was
            assert ref is not None
            kind = ChangeKind.ADDED if was is None else ChangeKind.REMOVED
            changes.append(
                DependencyChange(
                    kind,
                    plugin,
                    was.version if was else None,
                    now.version if now else None,
                    Category.BEHAVIOUR,
                    ref.source_type,
                )
            )
            continue
        # A different installed version is export-time churn (dsl-format.md §4); a different
        # source (marketplace → package) is a real change.
        category = Category.EXPORT if was.source_type == now.source_type else Category.BEHAVIOUR
        changes.append(
            DependencyChange(
                ChangeKind.CHANGED, plugin, was.version, now.version, category, now.source_type
            )
        )
    return changes


def _version_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, str] | None:
    def version(data: Mapping[str, Any]) -> str:
        value = data.get("version")
        return value if isinstance(value, str) and value else DEFAULT_DSL_VERSION

    return None if version(old) == version(new) else (version(old), version(new))


def _attention(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[WorkspaceBoundRef]:
    """Workspace-bound references of the new side, then any only the old side has: one
    per place, so a binding whose value changed (two knowledge bases instead of one) is
    said once, as the new side has it."""
    refs: dict[tuple[str, str | None, TreePath], WorkspaceBoundRef] = {}
    for ref in (*workspace_bound_refs(new), *workspace_bound_refs(old)):
        refs.setdefault((ref.kind, ref.node_id, _in_node(ref)), ref)
    return list(refs.values())


def _in_node(ref: WorkspaceBoundRef) -> TreePath:
    """The reference's place inside its node (the node may sit elsewhere in the list on
    the other side), or its whole path outside the graph."""
    path = ref.path
    if ref.node_id is not None and "nodes" in path:
        return path[path.index("nodes") + 2 :]
    return path


def diff_files(
    old_path: str | os.PathLike[str],
    new_path: str | os.PathLike[str],
    *,
    ignore_position: bool = False,
) -> DslDiff:
    """Load two DSL files and diff them (``difyops dsl diff A B`` in one call)."""
    return diff_documents(load_file(old_path), load_file(new_path), ignore_position=ignore_position)
