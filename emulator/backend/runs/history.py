"""Run history of workflow and advanced-chat apps: list, describe, node steps.

Dify's `api/controllers/openapi/app_workflow.py` (AppRunListApi `get.run`,
AppRunDescribeApi `describe.run`, AppRunNodeListApi `get.run.node`) with the shapes of
`api/fields/workflow_run_fields.py` (WorkflowRunForListResponse, WorkflowRunDetailResponse,
WorkflowRunNodeExecutionResponse) and `_models.py` RunListQuery / RunListResponse. The
list filters by `triggered_from` ("debugging" unless asked, as Dify), newest first, with a
`last_id` cursor and a "Next page" hint when there is more. An unknown or malformed run id,
or another app's run, is `RunNotFound`.

Node steps are what the run's `node_finished` events carried, recorded as the run ends
(Dify keeps a WorkflowNodeExecution row per step); a run still going has none yet.
"""

from __future__ import annotations

from typing import Any

from emulator import errors
from emulator.backend.common import is_uuid
from emulator.store import Store
from emulator.store.rows import AppRow
from emulator.store.runs import WorkflowRunRow

GRAPH_MODES = frozenset({"workflow", "advanced-chat"})
RUN_LIST_OP = "get.run"


def require_graph_mode(app: AppRow) -> None:
    if app.mode not in GRAPH_MODES:
        raise errors.AppModeMismatch()


class RunHistory:
    def __init__(self, store: Store) -> None:
        self._store = store

    def list(
        self,
        app: AppRow,
        *,
        limit: int,
        last_id: str | None,
        status: str | None,
        triggered_from: str | None,
    ) -> dict[str, Any]:
        require_graph_mode(app)
        runs, has_more = self._store.runs.list_runs(
            app.id,
            triggered_from=triggered_from or "debugging",
            status=status,
            last_id=last_id,
            limit=limit,
        )
        page: dict[str, Any] = {
            "limit": limit,
            "has_more": has_more,
            "data": [self._list_row(app, run) for run in runs],
        }
        if has_more and runs:
            query = {
                key: value
                for key, value in {
                    "limit": limit,
                    "status": status,
                    "triggered_from": triggered_from,
                }.items()
                if value is not None
            }
            page["hints"] = [
                {
                    "summary": "Next page",
                    "op": RUN_LIST_OP,
                    "input": {"app_id": app.id, **query, "last_id": runs[-1].id},
                }
            ]
        return page

    def describe(self, app: AppRow, run_id: str) -> dict[str, Any]:
        require_graph_mode(app)
        run = self._run(app, run_id)
        return {
            "id": run.id,
            "version": run.version or None,
            "graph": run.graph,
            "inputs": run.inputs,
            "status": run.status,
            "outputs": run.outputs,
            "error": run.error,
            "elapsed_time": _elapsed(run),
            "handoff_duration": 0.0,
            "total_tokens": run.total_tokens,
            "total_steps": run.total_steps,
            "created_by_role": run.created_by_role,
            "created_by_account": self._account(run),
            "created_by_end_user": self._end_user(run),
            "created_at": int(run.created_at),
            "finished_at": _ts(run.finished_at),
            "exceptions_count": _exceptions(run),
        }

    def nodes(self, app: AppRow, run_id: str) -> dict[str, Any]:
        require_graph_mode(app)
        run = self._run(app, run_id)
        account, end_user = self._account(run), self._end_user(run)
        return {
            "data": [
                {
                    "id": step.get("id"),
                    "index": step.get("index"),
                    "predecessor_node_id": step.get("predecessor_node_id"),
                    "node_id": step.get("node_id"),
                    "node_type": step.get("node_type"),
                    "title": step.get("title"),
                    "inputs": step.get("inputs"),
                    "process_data": step.get("process_data"),
                    "outputs": step.get("outputs"),
                    "status": step.get("status"),
                    "error": step.get("error"),
                    "elapsed_time": step.get("elapsed_time"),
                    "execution_metadata": step.get("execution_metadata"),
                    "extras": step.get("extras", {}),
                    "created_at": step.get("created_at"),
                    "created_by_role": run.created_by_role,
                    "created_by_account": account,
                    "created_by_end_user": end_user,
                    "finished_at": step.get("finished_at"),
                    "inputs_truncated": bool(step.get("inputs_truncated", False)),
                    "outputs_truncated": bool(step.get("outputs_truncated", False)),
                    "process_data_truncated": bool(step.get("process_data_truncated", False)),
                }
                for step in run.node_steps
            ]
        }

    # --- helpers ---------------------------------------------------------------------

    def _run(self, app: AppRow, run_id: str) -> WorkflowRunRow:
        run = self._store.runs.run(run_id) if is_uuid(run_id) else None
        if run is None or run.app_id != app.id:
            raise errors.RunNotFound()
        return run

    def _list_row(self, app: AppRow, run: WorkflowRunRow) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": run.id,
            "version": run.version or None,
            "status": run.status,
            "elapsed_time": _elapsed(run),
            "handoff_duration": 0.0,
            "total_tokens": run.total_tokens,
            "total_steps": run.total_steps,
            "created_by_account": self._account(run),
            "created_at": int(run.created_at),
            "finished_at": _ts(run.finished_at),
            "exceptions_count": _exceptions(run),
            "retry_index": None,
        }
        if app.mode == "advanced-chat":
            # The emulator does not link a run to its conversation and message.
            row.update(conversation_id=None, message_id=None)
        return row

    def _account(self, run: WorkflowRunRow) -> dict[str, Any] | None:
        if run.created_by_role != "account":
            return None
        account = self._store.people.account(run.created_by)
        if account is None:
            return {"id": run.created_by, "name": "", "email": ""}
        return {"id": account.id, "name": account.name, "email": account.email}

    @staticmethod
    def _end_user(run: WorkflowRunRow) -> dict[str, Any] | None:
        if run.created_by_role != "end_user":
            return None
        return {
            "id": run.created_by,
            "type": "service_api",
            "is_anonymous": False,
            "session_id": run.created_by,
        }


def _ts(value: float | None) -> int | None:
    return None if value is None else int(value)


def _elapsed(run: WorkflowRunRow) -> float:
    return 0.0 if run.finished_at is None else max(run.finished_at - run.created_at, 0.0)


def _exceptions(run: WorkflowRunRow) -> int:
    return sum(1 for step in run.node_steps if step.get("status") == "exception")
