"""Helpers for promotion tests."""

from __future__ import annotations

from typing import Any

import yaml

from jobs import GitSide, PromotionRequest, WorkspaceSide
from reconcile.promotion.plan import PromotionOptions
from reconcile.promotion.planner import Selection
from tests.support.emulator import EmulatorHandle

DEV_TRIAGE = "a0000000-0000-4000-8000-000000000101"
DEV_DIGEST = "a0000000-0000-4000-8000-000000000102"
DEV_HELPDESK = "a0000000-0000-4000-8000-000000000103"
DEV_BUDDY = "a0000000-0000-4000-8000-000000000104"
PROD_TRIAGE = "a0000000-0000-4000-8000-000000000201"
PROD_HELPDESK = "a0000000-0000-4000-8000-000000000202"
SECRET_PREFIX = "tk-demo-"


def request(
    *apps: str,
    source: WorkspaceSide | GitSide | None = None,
    target: str = "Acme Prod",
    modes: list[str] | None = None,
    mapping: dict[str, str] | None = None,
    **options: Any,
) -> PromotionRequest:
    return PromotionRequest(
        source=source or WorkspaceSide(workspace="Acme Dev"),
        target=WorkspaceSide(workspace=target),
        selection=Selection(apps=list(apps), modes=modes or [], mapping=mapping or {}),
        options=PromotionOptions(**options),
        rate_limit=None,
    )


def export(emulator: EmulatorHandle, app_id: str, *, include_secret: bool = False) -> str:
    return emulator.export(app_id, include_secret=include_secret)


def change_dev(emulator: EmulatorHandle, app_id: str, title: str) -> None:
    """Edit a Dev app's first LLM node title, as a person in the console would."""
    data = yaml.safe_load(export(emulator, app_id, include_secret=True))
    nodes = data["workflow"]["graph"]["nodes"]
    next(n for n in nodes if n["data"]["type"] == "llm")["data"]["title"] = title
    emulator.admin.edit_app(app_id, yaml=yaml.safe_dump(data, allow_unicode=True))


def app_ids_by_name(emulator: EmulatorHandle, workspace_id: str) -> dict[str, list[str]]:
    with emulator.client(emulator.admin.token()) as http:
        rows = http.get("/apps", params={"workspace_id": workspace_id, "limit": 200}).json()
    found: dict[str, list[str]] = {}
    for row in rows["data"]:
        found.setdefault(row["name"], []).append(row["id"])
    return found
