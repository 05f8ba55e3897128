"""App reads: `GET /apps`, describe, and Enterprise `GET /permitted-external-apps` (§2.3).

Listing visibility (S2): status normal, Service API enabled, the mode/name/tag filters in
SQL, then non-listable modes (`agent`, `rag-pipeline`, `channel`) are dropped from the
fetched page, so `total` can exceed what is visible. A `name` that parses as a UUID is an
exact id lookup answering an empty page or a one-row envelope `page 1, limit 1, total 1`.

`name` is cut to its first 30 characters before the substring match, as Dify's
`AppService.get_paginate_apps` does.

Open point (§5) decided here: Enterprise "permitted external apps" are the apps whose
access mode is `public` (the seed marks a few), across every workspace.
"""

from __future__ import annotations

from typing import Any

from emulator.backend import describe as describing
from emulator.backend.common import LISTABLE_MODES, Page, canonical_uuid
from emulator.backend.context import Authorized
from emulator.clock import iso_naive
from emulator.store import AppQuery, Store
from emulator.store.rows import AppRow

NAME_FILTER_CHARS = 30


class AppService:
    def __init__(self, store: Store) -> None:
        self._store = store

    def list(
        self,
        auth: Authorized,
        *,
        page: int,
        limit: int,
        mode: str | None,
        name: str | None,
        tag: str | None,
    ) -> dict[str, Any]:
        workspace = auth.require_workspace()
        app_id = canonical_uuid(name)
        if app_id is not None:
            return self._lookup_by_id(workspace.id, app_id, page=page, limit=limit)
        query = AppQuery(
            workspace_id=workspace.id,
            mode=mode,
            name_contains=name[:NAME_FILTER_CHARS] if name else None,
            tag=tag,
        )
        return self._page(query, page=page, limit=limit)

    def permitted_external(
        self, *, page: int, limit: int, mode: str | None, name: str | None
    ) -> dict[str, Any]:
        query = AppQuery(
            mode=mode,
            name_contains=name[:NAME_FILTER_CHARS] if name else None,
            access_mode="public",
        )
        return self._page(query, page=page, limit=limit)

    def describe(self, auth: Authorized, fields: frozenset[str] | None) -> dict[str, Any]:
        app = auth.require_app()
        draft = self._store.apps.draft_workflow(app.id)
        return describing.describe(app, draft, fields)

    def _page(self, query: AppQuery, *, page: int, limit: int) -> dict[str, Any]:
        total = self._store.apps.count_apps(query)
        rows = self._store.apps.page_apps(query, offset=(page - 1) * limit, limit=limit)
        names = self._workspace_names({r.workspace_id for r in rows})
        data = [app_row(r, names[r.workspace_id]) for r in rows if r.mode in LISTABLE_MODES]
        return Page(page=page, limit=limit, total=total, data=data).to_json()

    def _lookup_by_id(
        self, workspace_id: str, app_id: str, *, page: int, limit: int
    ) -> dict[str, Any]:
        app = self._store.apps.app(app_id)
        visible = (
            app is not None
            and app.workspace_id == workspace_id
            and app.status == "normal"
            and app.enable_api
            and app.mode in LISTABLE_MODES
        )
        if not visible or app is None:
            return Page(page=page, limit=limit, total=0, data=[]).to_json()
        names = self._workspace_names({workspace_id})
        return Page(page=1, limit=1, total=1, data=[app_row(app, names[workspace_id])]).to_json()

    def _workspace_names(self, workspace_ids: set[str]) -> dict[str, str | None]:
        names: dict[str, str | None] = {}
        for workspace_id in workspace_ids:
            workspace = self._store.people.workspace(workspace_id)
            names[workspace_id] = workspace.name if workspace else None
        return names


def app_row(app: AppRow, workspace_name: str | None) -> dict[str, Any]:
    return {
        "id": app.id,
        "name": app.name,
        "description": app.description,
        "mode": app.mode,
        "updated_at": iso_naive(app.updated_at),
        "workspace_id": app.workspace_id,
        "workspace_name": workspace_name,
    }
