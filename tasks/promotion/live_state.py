"""Reading the target's live versions for a plan (reconcile.promotion.live says what the
plan makes of them). Only changing apps of modes with versions cost calls: their version
list and one export of the live version, on servers that can list versions at all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dify_client import DifyClient
from dsl import DslDocument, load_text
from reconcile.promotion.live import live_note
from reconcile.promotion.plan import CHANGING, Action, PlannedApp, PromotionPlan
from reconcile.promotion.publish_gate import GRAPH_MODES


def with_live_notes(
    plan: PromotionPlan, client: DifyClient, target_docs: Mapping[str, DslDocument]
) -> PromotionPlan:
    """The plan with each changing app's `live` line and whether the target can test-run
    drafts, sealed again."""
    can_publish = client.supports("publish.console_app")
    apps = [
        _noted(app, plan, client, target_docs, can_publish) if app.action in CHANGING else app
        for app in plan.apps
    ]
    tests_drafts = client.supports("test.console_app.workflow")
    return plan.model_copy(update={"apps": apps, "target_tests_drafts": tests_drafts}).sealed()


def _noted(
    app: PlannedApp,
    plan: PromotionPlan,
    client: DifyClient,
    target_docs: Mapping[str, DslDocument],
    can_publish: bool,
) -> PlannedApp:
    draft_doc = target_docs.get(app.target_id or "") if app.action == Action.UPDATE else None
    draft = draft_doc.data if draft_doc is not None else None
    live_id: str | None = None
    live: dict[str, Any] | None = None
    if can_publish and draft is not None and app.mode in GRAPH_MODES and app.target_id:
        live_id = client.releases.live_version(app.target_id)
        if live_id is not None:
            # With secrets, like the draft it is compared with; both stay in memory.
            text = client.dsl.export(app.target_id, include_secret=True, workflow_id=live_id)
            live = load_text(text, source=f"target:{app.target_name}@{live_id}").data
    note = live_note(
        app.mode,
        plan.options.publish,
        can_publish=can_publish,
        draft=draft,
        live_id=live_id,
        live=live,
    )
    return app.model_copy(update={"live": note})
