"""`GET /apps/{app_id}/export`: the DSL text exactly as Dify's exporter writes it (§2.4, §3.2).

`yaml.dump(export_data, allow_unicode=True)` of::

    version: <the emulator's current DSL version>   kind: app
    app: {name, mode, icon, icon_type, icon_background, description, use_icon_as_answer_icon}
    workflow: {graph, features, environment_variables, conversation_variables,
               rag_pipeline_variables}                      (workflow, advanced-chat)
    model_config: {...}                                     (chat, agent-chat, completion)
    agent / agent_packages                                  (agent, DSL 0.7.0 style)
    dependencies: [...]

What the exporter changes on the way out, always: knowledge-retrieval `dataset_ids`
encrypted for the app's workspace; tenant-local file defaults of start variables removed;
schedule-trigger `config` reset to its default; webhook URLs and trigger-plugin
`subscription_id` emptied; agent tools of model configs lose `credential_id`. Unless
`include_secret=true`: secret environment values are blanked and tool / agent-node
`credential_id`s are removed. With it, secrets are written in plain text.

`workflow_id` exports that published version instead of the draft; a missing draft or an
unknown / foreign workflow id is the bare-string 404. Asking for the *draft's* id raises
Dify's `IsDraftWorkflowError`, which the S2 route does not catch: a 500 (§5 open point,
decided for the code as read).
"""

from __future__ import annotations

import copy
import hashlib
import pickle
import threading
from collections import OrderedDict
from typing import Any

import yaml

from emulator import errors
from emulator.backend.common import WORKFLOW_MODES
from emulator.backend.dataset_ids import encrypt_dataset_id
from emulator.store import Store
from emulator.store.rows import AppRow, WorkflowRow

SCHEDULE_DEFAULT_CONFIG: dict[str, Any] = {
    "mode": "visual",
    "frequency": "daily",
    "visual_config": {"time": "12:00 AM", "on_minute": 0, "weekdays": ["sun"], "monthly_days": [1]},
    "timezone": "UTC",
}
_FILE_VARIABLE_TYPES = ("file", "file-list")
_LOCAL_FILE_ID_KEYS = ("upload_file_id", "uploadedId")


# Bounded by the characters held, not the entries: a bulk seed of big DSLs stays small.
_DUMP_CACHE_CHARS = 64 * 1024 * 1024
_dump_cache: OrderedDict[bytes, str] = OrderedDict()
_dump_cache_chars = 0
_dump_cache_lock = threading.Lock()


def dump_dsl(data: dict[str, Any]) -> str:
    """The one serialiser: PyYAML defaults plus `allow_unicode`, like Dify.

    PyYAML's pure-Python dumper is most of an export's cost (a backup of 200 unchanged
    apps spends ~70% of the emulator's CPU in it), and backups export the same data again
    and again. Equal pickles mean equal data, so the text is looked up by a digest of the
    pickle; data that differs only in key order just misses the cache.
    """
    key = hashlib.blake2b(pickle.dumps(data, protocol=5), digest_size=20).digest()
    with _dump_cache_lock:
        text = _dump_cache.get(key)
        if text is not None:
            _dump_cache.move_to_end(key)
            return text
    text = yaml.dump(data, allow_unicode=True)
    global _dump_cache_chars  # noqa: PLW0603 — the cache's size, kept under its lock
    with _dump_cache_lock:
        if key not in _dump_cache:
            _dump_cache[key] = text
            _dump_cache_chars += len(text)
        while _dump_cache_chars > _DUMP_CACHE_CHARS and _dump_cache:
            _dump_cache_chars -= len(_dump_cache.popitem(last=False)[1])
    return text


class DslExporter:
    def __init__(self, store: Store) -> None:
        self._store = store

    def export(
        self, app: AppRow, *, dsl_version: str, include_secret: bool, workflow_id: str | None
    ) -> str:
        return dump_dsl(
            self.export_data(
                app, dsl_version=dsl_version, include_secret=include_secret, workflow_id=workflow_id
            )
        )

    def export_data(
        self, app: AppRow, *, dsl_version: str, include_secret: bool, workflow_id: str | None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": dsl_version,
            "kind": "app",
            "app": {
                "name": app.name,
                "mode": app.mode,
                "icon": app.icon,
                "icon_type": app.icon_type,
                "icon_background": app.icon_background,
                "description": app.description,
                "use_icon_as_answer_icon": app.use_icon_as_answer_icon,
            },
        }
        if app.mode in WORKFLOW_MODES:
            workflow = self._workflow_for_export(app, workflow_id)
            data["workflow"] = workflow_export(workflow, app.workspace_id, include_secret)
        elif app.mode == "agent":
            data["agent"] = copy.deepcopy(app.config.get("agent") or {})
            data["agent_packages"] = copy.deepcopy(app.config.get("agent_packages") or {})
        else:
            model_config = app.config.get("model_config")
            if not isinstance(model_config, dict):
                # `_append_model_config_export_data` raises ValueError → 400 (§1.4).
                raise errors.BadRequest("Missing app configuration, please check.")
            data["model_config"] = model_config_export(model_config)
        data["dependencies"] = copy.deepcopy(app.dependencies)
        return data

    def _workflow_for_export(self, app: AppRow, workflow_id: str | None) -> WorkflowRow:
        if workflow_id is None:
            draft = self._store.apps.draft_workflow(app.id)
            if draft is None:
                raise errors.ExportWorkflowMissing()
            return draft
        workflow = self._store.apps.workflow(workflow_id)
        if workflow is None or workflow.app_id != app.id:
            raise errors.ExportWorkflowMissing()
        if workflow.version == "draft":
            raise errors.InternalServerError(
                f"Cannot use draft workflow version. Workflow ID: {workflow_id}"
            )
        return workflow


def workflow_export(
    workflow: WorkflowRow, workspace_id: str, include_secret: bool
) -> dict[str, Any]:
    """`Workflow.to_dict(include_secret)` followed by the exporter's per-node filtering."""
    graph = copy.deepcopy(workflow.graph)
    environment_variables = copy.deepcopy(workflow.environment_variables)
    if not include_secret:
        for variable in environment_variables:
            if variable.get("value_type") == "secret":
                variable["value"] = ""
    for node in graph.get("nodes") or []:
        data = node.get("data") if isinstance(node, dict) else None
        if not isinstance(data, dict) or not data:
            continue
        _strip_tenant_file_defaults(data)
        _filter_node(data, workspace_id, include_secret)
    return {
        "graph": graph,
        "features": copy.deepcopy(workflow.features),
        "environment_variables": environment_variables,
        "conversation_variables": copy.deepcopy(workflow.conversation_variables),
        "rag_pipeline_variables": copy.deepcopy(workflow.rag_pipeline_variables),
    }


def _filter_node(data: dict[str, Any], workspace_id: str, include_secret: bool) -> None:
    node_type = data.get("type", "")
    if node_type == "knowledge-retrieval":
        data["dataset_ids"] = [
            encrypt_dataset_id(str(dataset_id), workspace_id)
            for dataset_id in data.get("dataset_ids") or []
        ]
    if not include_secret and node_type == "tool":
        data.pop("credential_id", None)
    if not include_secret and node_type == "agent":
        tools = (data.get("agent_parameters") or {}).get("tools") or {}
        for tool in tools.get("value") or [] if isinstance(tools, dict) else []:
            if isinstance(tool, dict):
                tool.pop("credential_id", None)
    if node_type == "trigger-schedule":
        data["config"] = copy.deepcopy(SCHEDULE_DEFAULT_CONFIG)
    if node_type == "trigger-webhook":
        data["webhook_url"] = ""
        data["webhook_debug_url"] = ""
    if node_type == "trigger-plugin":
        data["subscription_id"] = ""


def _strip_tenant_file_defaults(data: dict[str, Any]) -> None:
    variables = data.get("variables")
    if not isinstance(variables, list):
        return
    for variable in variables:
        if not isinstance(variable, dict) or variable.get("type") not in _FILE_VARIABLE_TYPES:
            continue
        if "default" not in variable:
            continue
        sanitized = _sanitize_file_default(variable["default"])
        if sanitized is None:
            variable.pop("default", None)
        else:
            variable["default"] = sanitized


def _sanitize_file_default(value: Any) -> Any:
    if isinstance(value, list):
        items = [s for s in (_sanitize_file_default(item) for item in value) if s is not None]
        return items or None
    if not isinstance(value, dict):
        return value
    method = value.get("transfer_method") or value.get("transferMethod")
    if method == "local_file" or any(key in value for key in _LOCAL_FILE_ID_KEYS):
        return None
    return {k: v for k, v in value.items() if k not in _LOCAL_FILE_ID_KEYS}


def model_config_export(model_config: dict[str, Any]) -> dict[str, Any]:
    exported = copy.deepcopy(model_config)
    agent_mode = exported.get("agent_mode")
    if isinstance(agent_mode, dict):
        for tool in agent_mode.get("tools") or []:
            if isinstance(tool, dict):
                tool.pop("credential_id", None)
    return exported
