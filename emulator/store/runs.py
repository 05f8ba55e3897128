"""Workflow runs, human-input forms and uploaded files (the runtime surface's state)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from emulator.store.database import Database


@dataclass(frozen=True)
class WorkflowRunRow:
    id: str
    app_id: str
    workspace_id: str
    workflow_id: str | None
    task_id: str
    created_by_role: str
    created_by: str
    status: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    error: str | None
    total_tokens: int
    total_steps: int
    created_at: float
    finished_at: float | None
    triggered_from: str = "app-run"  # Dify's WorkflowRunTriggeredFrom: app-run | debugging
    version: str = ""  # the run workflow's version: "draft" for a draft test run
    graph: dict[str, Any] = field(default_factory=dict)
    node_steps: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class FormRow:
    token: str  # a secret: what a recipient acts with; never in a message or a log
    form_id: str  # the form's record id (Dify's HumanInputFormRecord.form_id)
    app_id: str
    workflow_run_id: str
    payload: dict[str, Any]
    recipient: str | None
    expires_at: float
    submitted_at: float | None


@dataclass(frozen=True)
class UploadFileRow:
    id: str
    app_id: str
    workspace_id: str
    name: str
    size: int
    extension: str
    mime_type: str
    created_by: str
    created_at: float


class RunRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- workflow runs ----------------------------------------------------------------

    def insert_run(self, run: WorkflowRunRow) -> None:
        self._db.execute(
            "INSERT INTO workflow_runs (id, app_id, workspace_id, workflow_id, task_id,"
            " created_by_role, created_by, status, inputs, outputs, error, total_tokens,"
            " total_steps, created_at, finished_at, triggered_from, version, graph)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run.id,
                run.app_id,
                run.workspace_id,
                run.workflow_id,
                run.task_id,
                run.created_by_role,
                run.created_by,
                run.status,
                json.dumps(run.inputs, default=str),
                json.dumps(run.outputs, default=str),
                run.error,
                run.total_tokens,
                run.total_steps,
                run.created_at,
                run.finished_at,
                run.triggered_from,
                run.version,
                json.dumps(run.graph, default=str),
            ),
        )

    def set_status(self, run_id: str, status: str) -> None:
        self._db.execute("UPDATE workflow_runs SET status = ? WHERE id = ?", (status, run_id))

    def finish_run(
        self,
        run_id: str,
        *,
        status: str,
        outputs: dict[str, Any],
        error: str | None,
        total_tokens: int,
        total_steps: int,
        finished_at: float,
        node_steps: list[dict[str, Any]] | None = None,
    ) -> None:
        self._db.execute(
            "UPDATE workflow_runs SET status = ?, outputs = ?, error = ?, total_tokens = ?,"
            " total_steps = ?, finished_at = ?, node_steps = ? WHERE id = ?",
            (
                status,
                json.dumps(outputs, default=str),
                error,
                total_tokens,
                total_steps,
                finished_at,
                json.dumps(node_steps or [], default=str),
                run_id,
            ),
        )

    def run(self, run_id: str) -> WorkflowRunRow | None:
        row = self._db.query_one("SELECT * FROM workflow_runs WHERE id = ?", (run_id,))
        return None if row is None else _run_row(row)

    def list_runs(
        self,
        app_id: str,
        *,
        triggered_from: str,
        status: str | None = None,
        last_id: str | None = None,
        limit: int = 20,
    ) -> tuple[list[WorkflowRunRow], bool]:
        """Newest first (insertion order breaks ties); runs older than `last_id`; has_more."""
        where = "app_id = ? AND triggered_from = ?"
        args: list[Any] = [app_id, triggered_from]
        if status is not None:
            where += " AND status = ?"
            args.append(status)
        if last_id is not None:
            cursor = self._db.query_one(
                "SELECT created_at, rowid FROM workflow_runs WHERE id = ? AND app_id = ?",
                (last_id, app_id),
            )
            if cursor is None:
                return [], False
            where += " AND (created_at < ? OR (created_at = ? AND rowid < ?))"
            args.extend([cursor["created_at"], cursor["created_at"], cursor["rowid"]])
        rows = self._db.query(
            f"SELECT * FROM workflow_runs WHERE {where}"  # noqa: S608 - fixed fragments
            " ORDER BY created_at DESC, rowid DESC LIMIT ?",
            (*args, limit + 1),
        )
        runs = [_run_row(row) for row in rows]
        return runs[:limit], len(runs) > limit

    # --- human-input forms ------------------------------------------------------------

    def insert_form(self, form: FormRow) -> None:
        self._db.execute(
            "INSERT INTO human_input_forms (token, form_id, app_id, workflow_run_id, payload,"
            " recipient, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                form.token,
                form.form_id,
                form.app_id,
                form.workflow_run_id,
                json.dumps(form.payload, default=str),
                form.recipient,
                form.expires_at,
            ),
        )

    def form(self, token: str) -> FormRow | None:
        row = self._db.query_one("SELECT * FROM human_input_forms WHERE token = ?", (token,))
        if row is None:
            return None
        return FormRow(
            token=row["token"],
            form_id=row["form_id"],
            app_id=row["app_id"],
            workflow_run_id=row["workflow_run_id"],
            payload=json.loads(row["payload"]),
            recipient=row["recipient"],
            expires_at=row["expires_at"],
            submitted_at=row["submitted_at"],
        )

    def submit_form(self, token: str, submission: dict[str, Any], at: float) -> bool:
        """Record a submission once; False when it was already submitted."""
        changed = self._db.execute(
            "UPDATE human_input_forms SET submitted_at = ?, submission = ?"
            " WHERE token = ? AND submitted_at IS NULL",
            (at, json.dumps(submission, default=str), token),
        )
        return changed > 0

    # --- uploaded files ---------------------------------------------------------------

    def insert_file(self, file: UploadFileRow, content: bytes) -> None:
        self._db.execute(
            "INSERT INTO upload_files (id, app_id, workspace_id, name, size, extension,"
            " mime_type, created_by, created_at, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                file.id,
                file.app_id,
                file.workspace_id,
                file.name,
                file.size,
                file.extension,
                file.mime_type,
                file.created_by,
                file.created_at,
                content,
            ),
        )

    def file(self, file_id: str) -> UploadFileRow | None:
        row = self._db.query_one(
            "SELECT id, app_id, workspace_id, name, size, extension, mime_type, created_by,"
            " created_at FROM upload_files WHERE id = ?",
            (file_id,),
        )
        if row is None:
            return None
        return UploadFileRow(**{key: row[key] for key in row.keys()})  # noqa: SIM118

    def file_content(self, file_id: str) -> bytes | None:
        row = self._db.query_one("SELECT content FROM upload_files WHERE id = ?", (file_id,))
        return None if row is None else bytes(row["content"])


def _run_row(row: Any) -> WorkflowRunRow:
    return WorkflowRunRow(
        id=row["id"],
        app_id=row["app_id"],
        workspace_id=row["workspace_id"],
        workflow_id=row["workflow_id"],
        task_id=row["task_id"],
        created_by_role=row["created_by_role"],
        created_by=row["created_by"],
        status=row["status"],
        inputs=json.loads(row["inputs"]),
        outputs=json.loads(row["outputs"]),
        error=row["error"],
        total_tokens=row["total_tokens"],
        total_steps=row["total_steps"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        triggered_from=row["triggered_from"],
        version=row["version"],
        graph=json.loads(row["graph"]),
        node_steps=json.loads(row["node_steps"]),
    )
