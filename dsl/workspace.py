"""Values bound to one Dify workspace, which cannot match across workspaces.

Some exported values name things that exist only in the workspace the app came from
(dsl-format.md §4, §6, §9):

* knowledge-retrieval ``dataset_ids`` — encrypted with a per-workspace key since Dify 1.x,
  plain UUIDs before; ids that do not decrypt in the importing workspace are silently
  dropped, so the node ends up with no knowledge base;
* ``credential_id`` of tools (workflow tool and agent nodes, agent-mode tools);
* ``provider_id`` of workflow tools (``provider_type: workflow``): another app's id;
* the URLs of a webhook trigger, assigned per workspace;
* the ``subscription_id`` of a plugin trigger;
* datasets of chat apps (``model_config.dataset_configs``).

Normalisation masks these values with `WORKSPACE_BOUND_MARKER` so two workspaces' exports
of the same app compare equal; `workspace_bound_refs` lists them so a promotion can say
what needs attention in the target instead of reporting them as differences.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dsl.graph import NODES_PATH, indexed_nodes, node_data, node_id, node_title
from dsl.tree import TreePath, format_path, get_path, set_path

WORKSPACE_BOUND_MARKER = "<workspace-bound>"


@dataclass(frozen=True)
class WorkspaceBoundRef:
    """One workspace-bound value: what it is, where, and what to do in the target."""

    kind: str
    path: TreePath
    description: str
    node_id: str | None = None
    node_title: str | None = None

    def __str__(self) -> str:
        where = f'node "{self.node_title}": ' if self.node_title else ""
        return f"{where}{self.description}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "node_id": self.node_id,
            "node_title": self.node_title,
            "path": format_path(self.path),
            "description": self.description,
        }


@dataclass(frozen=True)
class _Site:
    ref: WorkspaceBoundRef
    masked_paths: tuple[TreePath, ...]


def workspace_bound_refs(data: Mapping[str, Any]) -> list[WorkspaceBoundRef]:
    """Every workspace-bound reference in a document, in document order."""
    return [site.ref for site in _sites(data)]


def mask_workspace_bound_values(data: dict[str, Any]) -> None:
    """Replace workspace-bound values with the marker, in place (callers pass a copy)."""
    for site in _sites(data):
        for path in site.masked_paths:
            set_path(data, path, WORKSPACE_BOUND_MARKER)


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def _sites(data: Mapping[str, Any]) -> Iterator[_Site]:
    for index, node in indexed_nodes(data):
        base: TreePath = (*NODES_PATH, index, "data")
        yield from _node_sites(node, base)
    yield from _model_config_sites(data)


def _node_sites(node: Mapping[str, Any], base: TreePath) -> Iterator[_Site]:
    payload = node_data(node)
    kind = payload.get("type")
    ident = {"node_id": node_id(node), "node_title": node_title(node)}

    if kind == "knowledge-retrieval":
        dataset_ids = payload.get("dataset_ids")
        if isinstance(dataset_ids, list) and dataset_ids:
            yield _Site(
                WorkspaceBoundRef(
                    "dataset_ids",
                    (*base, "dataset_ids"),
                    f"knowledge base binding (dataset_ids, {len(dataset_ids)}) will not carry "
                    "over to another workspace; rebind the knowledge bases in the target",
                    **ident,
                ),
                tuple((*base, "dataset_ids", i) for i in range(len(dataset_ids))),
            )
    if kind == "tool":
        yield from _tool_sites(payload, base, ident)
    if kind == "agent":
        tools = get_path(payload, ("agent_parameters", "tools", "value"))
        for position, tool in enumerate(tools if isinstance(tools, list) else []):
            if isinstance(tool, dict):
                tool_base = (*base, "agent_parameters", "tools", "value", position)
                yield from _tool_sites(tool, tool_base, ident)
    if kind == "trigger-webhook":
        urls = tuple(
            (*base, key)
            for key in ("webhook_url", "webhook_debug_url")
            if _present(payload.get(key))
        )
        yield _Site(
            WorkspaceBoundRef(
                "webhook_url",
                (*base, "webhook_url"),
                "webhook URL is assigned by the target workspace; callers must switch to it",
                **ident,
            ),
            urls,
        )
    if kind == "trigger-plugin":
        masked = ((*base, "subscription_id"),) if _present(payload.get("subscription_id")) else ()
        yield _Site(
            WorkspaceBoundRef(
                "subscription_id",
                (*base, "subscription_id"),
                "plugin trigger subscription belongs to this workspace; create it again "
                "in the target",
                **ident,
            ),
            masked,
        )


def _tool_sites(tool: Mapping[str, Any], base: TreePath, ident: dict[str, str]) -> Iterator[_Site]:
    if _present(tool.get("credential_id")):
        yield _Site(
            WorkspaceBoundRef(
                "credential_id",
                (*base, "credential_id"),
                f"tool credential (credential_id) of {_tool_name(tool)} belongs to this "
                "workspace; choose a credential in the target",
                **ident,
            ),
            ((*base, "credential_id"),),
        )
    if tool.get("provider_type") == "workflow" and _present(tool.get("provider_id")):
        yield _Site(
            WorkspaceBoundRef(
                "workflow_tool",
                (*base, "provider_id"),
                f"workflow tool {_tool_name(tool)} is another app of this workspace; it must "
                "exist in the target and be selected again",
                **ident,
            ),
            ((*base, "provider_id"),),
        )


def _tool_name(tool: Mapping[str, Any]) -> str:
    name = tool.get("tool_label") or tool.get("tool_name") or tool.get("provider_name") or "?"
    return f"'{name}'"


def _model_config_sites(data: Mapping[str, Any]) -> Iterator[_Site]:
    model_config = data.get("model_config")
    if not isinstance(model_config, dict):
        return
    tools = get_path(model_config, ("agent_mode", "tools"))
    for position, tool in enumerate(tools if isinstance(tools, list) else []):
        if isinstance(tool, dict):
            yield from _tool_sites(tool, ("model_config", "agent_mode", "tools", position), {})
    datasets = get_path(model_config, ("dataset_configs", "datasets", "datasets"))
    masked: list[TreePath] = []
    for position, entry in enumerate(datasets if isinstance(datasets, list) else []):
        if _present(get_path(entry, ("dataset", "id"))):
            masked.append(
                (
                    "model_config",
                    "dataset_configs",
                    "datasets",
                    "datasets",
                    position,
                    "dataset",
                    "id",
                )
            )
    if masked:
        yield _Site(
            WorkspaceBoundRef(
                "dataset_ids",
                ("model_config", "dataset_configs", "datasets"),
                f"knowledge base binding ({len(masked)} dataset(s)) will not carry over to "
                "another workspace; rebind the knowledge bases in the target",
            ),
            tuple(masked),
        )
