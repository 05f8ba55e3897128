"""The smoke gate of a promotion's apply: run an app's cases on the target after its
import and verification, and say whether the policy wants it undone. Pure apart from the
`AppRunner` port (reconcile.smoke.ports).

Which version the cases exercised is recorded with the report, in words a reviewer cannot
misread (reconcile.smoke.honesty): on Dify an import changes only a workflow's draft, so
a passing case never proves the imported version works.
"""

from __future__ import annotations

from reconcile.promotion.plan import Action, PlannedApp, PromotionPlan
from reconcile.promotion.result import AppResult
from reconcile.smoke import honesty
from reconcile.smoke.cases import cases_for
from reconcile.smoke.evaluate import run_cases
from reconcile.smoke.ports import AppRunner
from reconcile.smoke.result import SmokeReport


def smoke_problem(
    runner: AppRunner | None,
    plan: PromotionPlan,
    app: PlannedApp,
    app_id: str | None,
    result: AppResult,
) -> str | None:
    """Run the app's cases (recording the report on `result`); the problem to roll back
    for when they failed under the `rollback` policy, else None."""
    cases = cases_for(plan.options.smoke, app.target_name, app.name)
    if runner is None or not cases or app_id is None:
        return None
    # A runner that test-runs drafts (reconcile.smoke.ports: optional `tests_drafts`).
    drafts = bool(getattr(runner, "tests_drafts", False))
    note, skipped = honesty.after_import(
        app.mode, new_app=app.action != Action.UPDATE, tests_drafts=drafts
    )
    if skipped is not None:
        result.smoke = SmokeReport(app=app.target_name, app_id=app_id, note=note, skipped=skipped)
        result.attention.append(skipped)
        return None
    report = run_cases(runner, app_id, cases, app=app.target_name, note=note)
    result.smoke = report
    if report.passed:
        result.message += f"; {report.summary()} ({note})"
        return None
    if plan.options.on_smoke_failure == "report":
        result.message += f"; {report.summary()} ({note}); kept: the smoke policy is report"
        return None
    report.note = honesty.rolled_back(app.mode, tests_drafts=drafts)
    return f"{report.summary()} ({report.note})"
