"""The one write path for app content: the app row after an import, and its draft workflow.

Used by the importer, the console edits of the admin API, and the bulk generator, so
every route into the store builds apps the way Dify's `_create_or_update_app` does.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from emulator.backend.common import WORKFLOW_MODES, new_id
from emulator.backend.dsl_content import AppContent
from emulator.store import Store
from emulator.store.rows import AppRow

ICON_TYPES = ("emoji", "image", "link")


def build_app_row(
    existing: AppRow | None,
    app_data: dict[str, Any],
    overrides: dict[str, str | None],
    *,
    content: AppContent,
    workspace_id: str,
    created_by: str | None,
    now: float,
) -> AppRow:
    """The app row after `_create_or_update_app` (payload overrides win, then the YAML)."""
    icon_type = overrides.get("icon_type") or app_data.get("icon_type")
    resolved_icon_type = icon_type if icon_type in ICON_TYPES else "emoji"
    icon = overrides.get("icon") or str(app_data.get("icon", ""))
    config = content.config
    if existing is not None:
        if content.mode in WORKFLOW_MODES or not content.config:
            config = existing.config
        elif existing.config:
            # A model config is only created when the app has none (Dify never updates it).
            config = existing.config
        return dataclasses.replace(
            existing,
            name=overrides.get("name") or app_data.get("name", existing.name),
            description=overrides.get("description")
            or app_data.get("description", existing.description),
            icon_type=resolved_icon_type,
            icon=icon,
            icon_background=overrides.get("icon_background")
            or app_data.get("icon_background", existing.icon_background),
            config=config,
            dependencies=content.dependencies,
            updated_at=now,
        )
    return AppRow(
        id=str(uuid.uuid4()),
        workspace_id=workspace_id,
        mode=content.mode,
        name=overrides.get("name") or app_data.get("name", ""),
        description=overrides.get("description") or app_data.get("description", ""),
        icon_type=resolved_icon_type,
        icon=icon,
        icon_background=overrides.get("icon_background")
        or app_data.get("icon_background", "#FFFFFF"),
        use_icon_as_answer_icon=bool(app_data.get("use_icon_as_answer_icon", False)),
        enable_site=True,
        enable_api=True,
        status="normal",
        access_mode="private",
        tags=[],
        config=config,
        dependencies=content.dependencies,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )


def store_app(
    store: Store, app: AppRow, content: AppContent, *, existing: bool, now: float
) -> None:
    """Write the app row and sync its draft workflow (keeping the draft's id)."""
    if existing:
        store.apps.update_app(app)
    else:
        store.apps.insert_app(app)
    if content.workflow is not None:
        draft = store.apps.draft_workflow(app.id)
        row = content.workflow.to_row(
            workflow_id=draft.id if draft else new_id(),
            app_id=app.id,
            version="draft",
            at=draft.created_at if draft else now,
        )
        store.apps.upsert_workflow(dataclasses.replace(row, updated_at=now))
