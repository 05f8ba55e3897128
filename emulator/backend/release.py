"""Publishing, versions, restore and the release check (Dify's S3 release ops).

Wire shapes and rules from Dify's `api/controllers/openapi/app_workflow.py` (AppPublishApi,
AppVersionListApi, AppVersionRestoreApi), `api/controllers/openapi/app_release.py`
(ReleaseCheckApi), `api/controllers/openapi/_models.py` (PublishPayload, PublishResponse,
VersionListQuery, VersionRow, VersionListResponse, RestoreResponse, ReleaseCheckResponse)
and `api/services/workflow/graph_diff.py` (draft_token, diff_workflows).

The live version is the newest published workflow: that is what runs use
(`RunService._workflow`) and what `current` marks. Restore only rewrites the draft.

Emulator simplifications, documented here once:

* `draft_valid` and `issues` come from `graph_check.check_graph` (the checks that need
  no node models or credentials; see there).
* `tested` is Dify's rule: the app's latest `debugging` run (a draft test run) succeeded
  on a graph equal to the current draft's (layout-only keys aside). Normal runs do not
  count, whatever they ran.
* `warning` (variable references that may read a skipped branch) is always null.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from emulator import errors
from emulator.backend.common import WORKFLOW_MODES, new_id
from emulator.backend.graph_check import check_graph
from emulator.clock import Clock
from emulator.store import Store
from emulator.store.rows import AppRow, WorkflowRow

_UI_KEYS = frozenset({"selected", "_connectedSourceHandleIds", "_connectedTargetHandleIds"})


def require_graph_mode(app: AppRow) -> None:
    """Dify's `require_mode(ctx.app, *GRAPH_MODES)`."""
    if app.mode not in WORKFLOW_MODES:
        raise errors.AppModeMismatch()


def _nodes(graph: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(n.get("id")): n for n in graph.get("nodes") or [] if isinstance(n, Mapping)}


def _data(node: Mapping[str, Any]) -> dict[str, Any]:
    data = node.get("data")
    if not isinstance(data, Mapping):
        return {}
    return {k: v for k, v in data.items() if k not in _UI_KEYS}


def _edges(graph: Mapping[str, Any]) -> set[str]:
    return {
        f"{e.get('source')} → {e.get('target')} ({e.get('sourceHandle', 'source')})"
        for e in graph.get("edges") or []
        if isinstance(e, Mapping)
    }


def _runnable(graph: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "nodes": {i: _data(n) for i, n in _nodes(graph).items()},
        "edges": sorted(_edges(graph)),
    }


def draft_token(draft: WorkflowRow) -> str:
    """Dify's `draft_token`: sha256 of what a DSL import replaces (layout does not count)."""
    content = {
        "graph": _runnable(draft.graph),
        "features": draft.features,
        "environment_variables": draft.environment_variables,
        "conversation_variables": draft.conversation_variables,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _change(node: Mapping[str, Any], fields: list[str] | None = None) -> dict[str, Any]:
    data = _data(node)
    return {
        "id": str(node.get("id")),
        "type": str(data.get("type", "")),
        "title": str(data.get("title", "")),
        "fields": fields or [],
    }


def _env_names(workflow: WorkflowRow | None) -> set[str]:
    if workflow is None:
        return set()
    return {str(v.get("name")) for v in workflow.environment_variables if isinstance(v, Mapping)}


def diff_workflows(published: WorkflowRow | None, draft: WorkflowRow) -> dict[str, Any]:
    """Dify's `diff_workflows`, as the `changes` (WorkflowDiff) of the release check."""
    base_graph = published.graph if published else {}
    old, new = _nodes(base_graph), _nodes(draft.graph)
    changed = []
    for node_id in sorted(old.keys() & new.keys()):
        before, after = _data(old[node_id]), _data(new[node_id])
        fields = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        if fields:
            changed.append(_change(new[node_id], fields))
    old_edges, new_edges = _edges(base_graph), _edges(draft.graph)
    old_env, new_env = _env_names(published), _env_names(draft)
    return {
        "published": published is not None,
        "nodes_added": [_change(new[i]) for i in sorted(new.keys() - old.keys())],
        "nodes_removed": [_change(old[i]) for i in sorted(old.keys() - new.keys())],
        "nodes_changed": changed,
        "edges_added": sorted(new_edges - old_edges),
        "edges_removed": sorted(old_edges - new_edges),
        "features_changed": dict(published.features) != dict(draft.features)
        if published
        else False,
        "env_added": sorted(new_env - old_env),
        "env_removed": sorted(old_env - new_env),
    }


def _timestamp(value: float) -> int:
    return int(value)


class ReleaseService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def _draft(self, app: AppRow) -> WorkflowRow:
        draft = self._store.apps.draft_workflow(app.id)
        if draft is None:
            raise errors.DraftNotFound()
        return draft

    def live(self, app_id: str) -> WorkflowRow | None:
        published = self._store.apps.published_workflows(app_id)
        return published[-1] if published else None

    def publish(
        self, app: AppRow, *, marked_name: str, marked_comment: str, account_id: str | None
    ) -> dict[str, Any]:
        require_graph_mode(app)
        draft = self._draft(app)
        now = self._clock.now()
        published = dataclasses.replace(
            draft,
            id=new_id(),
            version=f"{now:.6f}",
            created_at=now,
            updated_at=now,
            marked_name=marked_name,
            marked_comment=marked_comment,
            created_by=account_id,
        )
        self._store.apps.upsert_workflow(published)
        # Dify's publish controllers also move the app's updated_at (and workflow_id).
        self._store.apps.update_app(dataclasses.replace(app, updated_at=now))
        return {
            "version_id": published.id,
            "created_at": _timestamp(published.created_at),
            "warning": None,
        }

    def versions(self, app: AppRow, *, page: int, limit: int, named_only: bool) -> dict[str, Any]:
        require_graph_mode(app)
        published = self._store.apps.published_workflows(app.id)
        live_id = published[-1].id if published else None
        rows = [w for w in reversed(published) if w.marked_name or not named_only]
        start = (page - 1) * limit
        window = rows[start : start + limit]
        has_more = start + limit < len(rows)
        body: dict[str, Any] = {
            "hints": [],
            "page": page,
            "limit": limit,
            "has_more": has_more,
            "data": [
                {
                    "id": w.id,
                    "marked_name": w.marked_name,
                    "marked_comment": w.marked_comment,
                    "created_by": w.created_by,
                    "created_at": _timestamp(w.created_at),
                    "current": w.id == live_id,
                }
                for w in window
            ],
        }
        if has_more:
            next_input = {"app_id": app.id, "page": page + 1, "limit": limit}
            next_input["named_only"] = named_only
            body["hints"] = [
                {"summary": "Next page", "op": "get.console_app.version", "input": next_input}
            ]
        return body

    def restore(self, app: AppRow, version_id: str) -> dict[str, Any]:
        require_graph_mode(app)
        try:
            version_id = str(uuid.UUID(version_id))
        except ValueError:
            raise errors.VersionNotFound() from None
        version = self._store.apps.workflow(version_id)
        if version is None or version.app_id != app.id:
            raise errors.VersionNotFound()
        if version.version == "draft":
            raise errors.VersionNotRestorable()
        draft = self._draft(app)
        restored = dataclasses.replace(
            draft,
            graph=version.graph,
            features=version.features,
            environment_variables=version.environment_variables,
            conversation_variables=version.conversation_variables,
            rag_pipeline_variables=version.rag_pipeline_variables,
            updated_at=self._clock.now(),
        )
        self._store.apps.upsert_workflow(restored)
        return {"result": "success", "draft_hash": draft_token(restored)}

    def check(self, app: AppRow) -> dict[str, Any]:
        require_graph_mode(app)
        draft = self._draft(app)
        issues = [issue.row() for issue in check_graph(draft.graph, mode=app.mode)]
        tested = self._tested(app, draft)
        checks = [
            {
                "name": "draft_valid",
                "passed": not issues,
                "detail": f"{len(issues)} issue(s)" if issues else "No issues",
            },
            {
                "name": "tested",
                "passed": tested,
                "detail": "The last draft test passed on this draft"
                if tested
                else "No passing draft test on the current draft",
            },
        ]
        hints = []
        if issues:
            hints.append(
                {
                    "summary": "Export the draft, fix each issue by its loc, then check and import",
                    "op": "export.console_app.dsl",
                    "input": {"app_id": app.id},
                }
            )
        if not tested:
            op = (
                "test.console_app.workflow"
                if app.mode == "workflow"
                else "test.console_app.advanced_chat"
            )
            hints.append(
                {
                    "summary": "Run the draft on the acceptance cases",
                    "op": op,
                    "input": {"app_id": app.id},
                }
            )
        return {
            "hints": hints,
            "ready": all(c["passed"] for c in checks),
            "checks": checks,
            "issues": issues,
            "state": {"service_api_enabled": app.enable_api, "webapp_enabled": app.enable_site},
            "changes": diff_workflows(self.live(app.id), draft),
        }

    def _tested(self, app: AppRow, draft: WorkflowRow) -> bool:
        runs, _ = self._store.runs.list_runs(app.id, triggered_from="debugging", limit=1)
        last = runs[0] if runs else None
        return (
            last is not None
            and last.status == "succeeded"
            and _runnable(last.graph) == _runnable(draft.graph)
        )
