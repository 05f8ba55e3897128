"""Apps, their workflows, pending imports, dependency-check entries and installed plugins."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from emulator.store.database import Database
from emulator.store.rows import AppRow, PendingImportRow, WorkflowRow


@dataclass(frozen=True)
class AppQuery:
    """Filters of the SQL part of `GET /apps` (the listable-mode filter runs after paging)."""

    workspace_id: str | None = None
    mode: str | None = None
    name_contains: str | None = None
    tag: str | None = None
    api_enabled_only: bool = True
    access_mode: str | None = None


SQLITE_MAX_INTEGER = 2**63 - 1


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _app_columns(app: AppRow) -> dict[str, Any]:
    """The `apps` table's columns and this app's values for them (column names are
    constants, never input)."""
    return {
        "id": app.id,
        "workspace_id": app.workspace_id,
        "mode": app.mode,
        "name": app.name,
        "description": app.description,
        "icon_type": app.icon_type,
        "icon": app.icon,
        "icon_background": app.icon_background,
        "use_icon_as_answer_icon": int(app.use_icon_as_answer_icon),
        "enable_site": int(app.enable_site),
        "enable_api": int(app.enable_api),
        "status": app.status,
        "access_mode": app.access_mode,
        "tags": _dumps(app.tags),
        "config": _dumps(app.config),
        "dependencies": _dumps(app.dependencies),
        "created_by": app.created_by,
        "created_at": app.created_at,
        "updated_at": app.updated_at,
    }


class AppRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- apps -----------------------------------------------------------------------

    def insert_app(self, app: AppRow) -> None:
        values = _app_columns(app)
        names = ", ".join(values)
        marks = ", ".join("?" * len(values))
        sql = f"INSERT INTO apps ({names}) VALUES ({marks})"  # noqa: S608 - fixed column names
        self._db.execute(sql, tuple(values.values()))

    def update_app(self, app: AppRow) -> None:
        # Everything but what an app never changes: its id, workspace, creator and birth.
        values = {
            name: value
            for name, value in _app_columns(app).items()
            if name not in ("id", "workspace_id", "created_by", "created_at")
        }
        assignments = ", ".join(f"{name} = ?" for name in values)
        sql = f"UPDATE apps SET {assignments} WHERE id = ?"  # noqa: S608 - fixed column names
        self._db.execute(sql, (*values.values(), app.id))

    def app(self, app_id: str) -> AppRow | None:
        row = self._db.query_one("SELECT * FROM apps WHERE id = ?", (app_id,))
        return AppRow.from_row(row) if row else None

    def delete_app(self, app_id: str) -> bool:
        return self._db.execute("DELETE FROM apps WHERE id = ?", (app_id,)) > 0

    def _where(self, query: AppQuery) -> tuple[str, list[Any]]:
        clauses = ["status = 'normal'"]
        params: list[Any] = []
        if query.workspace_id is not None:
            clauses.append("workspace_id = ?")
            params.append(query.workspace_id)
        if query.api_enabled_only:
            clauses.append("enable_api = 1")
        if query.mode is not None:
            clauses.append("mode = ?")
            params.append(query.mode)
        if query.name_contains:
            clauses.append("instr(lower(name), lower(?)) > 0")
            params.append(query.name_contains)
        if query.tag is not None:
            clauses.append("EXISTS (SELECT 1 FROM json_each(apps.tags) WHERE json_each.value = ?)")
            params.append(query.tag)
        if query.access_mode is not None:
            clauses.append("access_mode = ?")
            params.append(query.access_mode)
        return " AND ".join(clauses), params

    def count_apps(self, query: AppQuery) -> int:
        where, params = self._where(query)
        return int(self._db.scalar(f"SELECT count(*) FROM apps WHERE {where}", params))  # noqa: S608

    def page_apps(self, query: AppQuery, *, offset: int, limit: int) -> list[AppRow]:
        """Newest first, as Dify's `get_paginate_apps` orders by `created_at desc`."""
        if offset > SQLITE_MAX_INTEGER:
            return []  # a page far past the end is simply empty
        where, params = self._where(query)
        rows = self._db.query(
            f"SELECT * FROM apps WHERE {where}"  # noqa: S608 - clauses are fixed fragments
            " ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [AppRow.from_row(r) for r in rows]

    def existing_app_ids(self, app_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(app_ids), 500):
            chunk = list(app_ids[start : start + 500])
            marks = ",".join("?" for _ in chunk)
            rows = self._db.query(f"SELECT id FROM apps WHERE id IN ({marks})", chunk)  # noqa: S608
            found.update(r["id"] for r in rows)
        return found

    # --- workflows ------------------------------------------------------------------

    def upsert_workflow(self, workflow: WorkflowRow) -> None:
        self._db.execute(
            "INSERT INTO workflows (id, app_id, version, graph, features, environment_variables,"
            " conversation_variables, rag_pipeline_variables, created_at, updated_at,"
            " marked_name, marked_comment, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET graph = excluded.graph, features = excluded.features,"
            " environment_variables = excluded.environment_variables,"
            " conversation_variables = excluded.conversation_variables,"
            " rag_pipeline_variables = excluded.rag_pipeline_variables,"
            " updated_at = excluded.updated_at",
            (
                workflow.id,
                workflow.app_id,
                workflow.version,
                _dumps(workflow.graph),
                _dumps(workflow.features),
                _dumps(workflow.environment_variables),
                _dumps(workflow.conversation_variables),
                _dumps(workflow.rag_pipeline_variables),
                workflow.created_at,
                workflow.updated_at,
                workflow.marked_name,
                workflow.marked_comment,
                workflow.created_by,
            ),
        )

    def draft_workflow(self, app_id: str) -> WorkflowRow | None:
        row = self._db.query_one(
            "SELECT * FROM workflows WHERE app_id = ? AND version = 'draft'", (app_id,)
        )
        return WorkflowRow.from_row(row) if row else None

    def workflow(self, workflow_id: str) -> WorkflowRow | None:
        row = self._db.query_one("SELECT * FROM workflows WHERE id = ?", (workflow_id,))
        return WorkflowRow.from_row(row) if row else None

    def published_workflows(self, app_id: str) -> list[WorkflowRow]:
        """Oldest first; the last one is the live version (insertion order breaks ties, so
        two publishes under a frozen clock still have an order)."""
        rows = self._db.query(
            "SELECT * FROM workflows WHERE app_id = ? AND version != 'draft'"
            " ORDER BY created_at, rowid",
            (app_id,),
        )
        return [WorkflowRow.from_row(r) for r in rows]

    # --- pending imports ------------------------------------------------------------

    def put_pending_import(self, row: PendingImportRow) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO pending_imports (id, workspace_id, account_id, payload,"
            " expires_at) VALUES (?, ?, ?, ?, ?)",
            (row.id, row.workspace_id, row.account_id, _dumps(row.payload), row.expires_at),
        )

    def pending_import(self, import_id: str) -> PendingImportRow | None:
        row = self._db.query_one("SELECT * FROM pending_imports WHERE id = ?", (import_id,))
        if row is None:
            return None
        return PendingImportRow(
            id=row["id"],
            workspace_id=row["workspace_id"],
            account_id=row["account_id"],
            payload=json.loads(row["payload"]),
            expires_at=row["expires_at"],
        )

    def delete_pending_import(self, import_id: str) -> None:
        self._db.execute("DELETE FROM pending_imports WHERE id = ?", (import_id,))

    def expire_pending_imports(self, now: float) -> None:
        self._db.execute("UPDATE pending_imports SET expires_at = ?", (now,))

    # --- dependency-check entries ---------------------------------------------------

    def put_dependency_check(self, app_id: str, dependencies: list[Any], expires_at: float) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO dependency_checks (app_id, dependencies, expires_at)"
            " VALUES (?, ?, ?)",
            (app_id, _dumps(dependencies), expires_at),
        )

    def dependency_check(self, app_id: str, now: float) -> list[Any] | None:
        row = self._db.query_one(
            "SELECT dependencies FROM dependency_checks WHERE app_id = ? AND expires_at > ?",
            (app_id, now),
        )
        return json.loads(row["dependencies"]) if row else None

    # --- installed plugins ----------------------------------------------------------

    def installed_plugins(self, workspace_id: str) -> list[str]:
        rows = self._db.query(
            "SELECT plugin_id FROM installed_plugins WHERE workspace_id = ? ORDER BY plugin_id",
            (workspace_id,),
        )
        return [r["plugin_id"] for r in rows]

    def set_installed_plugins(self, workspace_id: str, plugin_ids: Sequence[str]) -> None:
        self._db.execute("DELETE FROM installed_plugins WHERE workspace_id = ?", (workspace_id,))
        self._db.execute_many(
            "INSERT OR IGNORE INTO installed_plugins (workspace_id, plugin_id) VALUES (?, ?)",
            [(workspace_id, plugin_id) for plugin_id in plugin_ids],
        )
