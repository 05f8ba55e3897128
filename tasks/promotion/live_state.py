"""Reading the target's live versions for a plan (reconcile.promotion.live says what the
plan makes of them). Only apps of modes with versions cost calls, on servers that can
publish: changing apps, and under the `always` policy unchanged ones too (a draft not
live yet is still to publish); each costs its version list and one export of the live
version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dify_client import DifyClient
from dsl import DslDocument, load_text
from reconcile.promotion.live import live_note, not_live_update
from reconcile.promotion.plan import CHANGING, Action, PlannedApp, PromotionPlan
from reconcile.promotion.publish_gate import GRAPH_MODES


def with_live_notes(
    plan: PromotionPlan, client: DifyClient, target_docs: Mapping[str, DslDocument]
) -> PromotionPlan:
    """The plan with each changing app's `live` line and whether the target can test-run
    drafts, sealed again."""
    can_publish = client.supports("publish.console_app")
    apps = [_unless_live(app, plan, client, target_docs, can_publish) for app in plan.apps]
    apps = [
        _noted(app, plan, client, target_docs, can_publish) if app.action in CHANGING else app
        for app in apps
    ]
    tests_drafts = client.supports("test.console_app.workflow")
    return plan.model_copy(update={"apps": apps, "target_tests_drafts": tests_drafts}).sealed()


def _unless_live(
    app: PlannedApp,
    plan: PromotionPlan,
    client: DifyClient,
    target_docs: Mapping[str, DslDocument],
    can_publish: bool,
) -> PlannedApp:
    """An unchanged app, or an update when its draft must still go live (`always`)."""
    draft_doc = target_docs.get(app.target_id or "")
    if (
        not can_publish
        or plan.options.publish != "always"
        or app.action != Action.UNCHANGED
        or app.mode not in GRAPH_MODES
        or draft_doc is None
        or not app.target_id
    ):
        return app
    live_id, live = _live(client, app)
    return not_live_update(
        app, plan.options.publish, draft=draft_doc.data, live_id=live_id, live=live
    )


def _live(client: DifyClient, app: PlannedApp) -> tuple[str | None, dict[str, Any] | None]:
    """The target app's live version id and its DSL (with secrets, like the draft)."""
    assert app.target_id is not None
    live_id = client.releases.live_version(app.target_id)
    if live_id is None:
        return None, None
    text = client.dsl.export(app.target_id, include_secret=True, workflow_id=live_id)
    return live_id, load_text(text, source=f"target:{app.target_name}@{live_id}").data


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
        # With secrets, like the draft it is compared with; both stay in memory.
        live_id, live = _live(client, app)
    note = live_note(
        app.mode,
        plan.options.publish,
        can_publish=can_publish,
        draft=draft,
        live_id=live_id,
        live=live,
    )
    return app.model_copy(update={"live": note})
