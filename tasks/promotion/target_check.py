"""Asking the target to check each changing app's DSL before the plan is sealed (Dify S3
`imports:check`; reconcile.promotion.target_check says what the plan makes of it). One call
per changing workflow or chatflow app, on servers that have the check at all."""

from __future__ import annotations

from collections.abc import Mapping

from dify_client import DifyClient
from reconcile.promotion.plan import CHANGING, Action, PromotionPlan
from reconcile.promotion.publish_gate import GRAPH_MODES
from reconcile.promotion.target_check import checked

CHECK_OP = "check.console_app.dsl"


def with_target_check(
    plan: PromotionPlan, client: DifyClient, source_texts: Mapping[str, str]
) -> PromotionPlan:
    """The plan with apps the target would refuse blocked (and its warnings noted), sealed
    again; the plan as it is when the server has no check or nothing changes."""
    workspace_id = plan.target.workspace_id
    if workspace_id is None or not client.supports(CHECK_OP):
        return plan
    apps = []
    for app in plan.apps:
        text = source_texts.get(app.name)
        if app.action not in CHANGING or app.mode not in GRAPH_MODES or text is None:
            apps.append(app)
            continue
        overwrite = app.target_id if app.action == Action.UPDATE else None
        result = client.dsl.check(workspace_id, text, app_id=overwrite)
        errors = [issue.located() for issue in result.errors]
        warnings = [issue.located() for issue in result.warnings]
        apps.append(checked(app, errors, warnings))
    return plan.model_copy(update={"apps": apps}).sealed()
