"""Promote apps from a workspace (or a backup's git ref) to another workspace.

Deployed as `promote` (manual runs; see prefect.yaml). The plan is published as a
Markdown artifact before anything is applied; applying needs `confirm=True`, and with
`plan_checksum` the run refuses a plan that differs from the reviewed one. Apps with smoke
cases run them on the target inside the apply step, after import and verification.
`difyops promote plan|apply` and `difyops restore` run the same steps without a server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.schemas.objects import State

from flows._calling import JobFailed, as_function, as_task
from flows._reviewed import check_reviewed_promotion
from flows.wording import failed_run, worded_failures
from jobs import Concurrency, GitSide, PromotionRequest, RateLimit, Text, WorkspaceSide
from reconcile.promotion.plan import (
    DependencyPolicy,
    PendingPolicy,
    PromotionOptions,
    PromotionPlan,
    PublishPolicy,
)
from reconcile.promotion.planner import Selection
from reconcile.promotion.ports import ApplyProgress
from reconcile.promotion.render import plan_markdown, result_markdown
from reconcile.promotion.result import PromotionResult
from reconcile.smoke.cases import SmokeCases, SmokePolicy
from tasks.promotion.steps import Planned, apply_promotion_task, plan_promotion_task
from tasks.smoke.files import read_cases

PLAN_ARTIFACT_KEY = "dify-promotion-plan"
RESULT_ARTIFACT_KEY = "dify-promotion-result"

__all__ = ["PromotionSteps", "promote_flow", "run_apply", "run_plan"]


@dataclass(frozen=True)
class PromotionSteps:
    """The promotion's steps, typed as the tasks are; `plain()` or `prefect()` runs them."""

    plan: Callable[[PromotionRequest, Callable[[str], None] | None], Planned]
    apply: Callable[[PromotionRequest, Planned, str | None, ApplyProgress | None], PromotionResult]

    @classmethod
    def plain(cls) -> PromotionSteps:
        return cls(as_function(plan_promotion_task), as_function(apply_promotion_task))

    @classmethod
    def prefect(cls) -> PromotionSteps:
        return cls(as_task(plan_promotion_task), as_task(apply_promotion_task))


# Sees the fresh plan before anything is applied; raises to stop there (nothing changed).
Approve = Callable[[PromotionPlan], None]


def _run(
    steps: PromotionSteps,
    request: PromotionRequest,
    expected_checksum: str | None,
    approve: Approve | None = None,
    progress: ApplyProgress | None = None,
    say: Callable[[str], None] | None = None,
) -> tuple[PromotionPlan, PromotionResult]:
    """Plan afresh, then apply (refusing a plan that is not the reviewed one). The flow
    takes the same two steps with the plan's artifact published between them."""
    planned = steps.plan(request, say)
    if approve is not None:
        approve(planned.plan)
    return planned.plan, steps.apply(request, planned, expected_checksum, progress)


def run_plan(request: PromotionRequest, say: Callable[[str], None] | None = None) -> PromotionPlan:
    """Plan only (what `difyops promote plan` runs); `say` hears each step as it starts."""
    return PromotionSteps.plain().plan(request, say).plan


def run_apply(
    request: PromotionRequest,
    expected_checksum: str | None = None,
    *,
    approve: Approve | None = None,
    progress: ApplyProgress | None = None,
    say: Callable[[str], None] | None = None,
) -> tuple[PromotionPlan, PromotionResult]:
    """Plan afresh and apply (what `difyops promote apply` runs). `approve` sees the plan
    before its first change and may stop the run there by raising; `progress` hears of
    each changing app as its apply starts and ends."""
    return _run(PromotionSteps.plain(), request, expected_checksum, approve, progress, say)


@flow(name="promote", description="Plan, and on confirm apply, a promotion of Dify apps.")
async def promote_flow(
    source: WorkspaceSide | GitSide,
    target: WorkspaceSide,
    selection: Selection | None = None,
    confirm_pending: PendingPolicy = "never",
    dependencies: DependencyPolicy = "warn",
    recreate: bool = False,
    confirm: bool = False,
    plan_checksum: Text | None = None,
    concurrency: Concurrency = 4,
    rate_limit: RateLimit | None = 50,
    smoke: SmokeCases | None = None,
    smoke_file: Text | None = None,
    on_smoke_failure: SmokePolicy = "rollback",
    publish: PublishPolicy = "if-tested",
) -> dict[str, object] | State[Any]:
    """Plan the promotion, publish the plan, and apply it only when `confirm` is true.

    `plan_checksum` (from a reviewed plan) makes the apply refuse a plan that changed.
    Smoke cases (`smoke` by app name, or a standalone `smoke_file`) run on the target
    after each app's import; `on_smoke_failure` rolls a failing app back or reports it.
    On a Dify server that can publish, `publish` (if-tested, always, never) decides whether
    the verified draft goes live; a failure after publishing puts the previous version back.
    The run fails when any app failed, was rolled back, is waiting for a decision, or
    failed its smoke cases, so an automation can notify someone.
    """
    logger = get_run_logger()
    # The artifact a failure is published as: the plan's until there is a plan, then the
    # result's until there is a result.
    failure_key: str | None = PLAN_ARTIFACT_KEY
    try:
        with worded_failures("promote"):
            cases = smoke or {}
            if smoke is None and smoke_file:
                cases = read_cases(smoke_file=smoke_file)
            request = PromotionRequest(
                source=source,
                target=target,
                selection=selection or Selection(),
                options=PromotionOptions(
                    confirm_pending=confirm_pending,
                    dependencies=dependencies,
                    recreate=recreate,
                    smoke=cases,
                    on_smoke_failure=on_smoke_failure,
                    publish=publish,
                ),
                concurrency=concurrency,
                rate_limit=rate_limit,
            )
            steps = PromotionSteps.prefect()
            planned = steps.plan(request, None)
            await acreate_markdown_artifact(
                key=PLAN_ARTIFACT_KEY,
                markdown=plan_markdown(planned.plan),
                description="Promotion plan",
            )
            failure_key = RESULT_ARTIFACT_KEY
            logger.info("plan %s: %s", planned.plan.checksum, planned.plan.summary())
            if not confirm:
                logger.info("not applied: run again with confirm=true to apply this plan")
                return {"plan": planned.plan.model_dump(mode="json"), "applied": False}
            check_reviewed_promotion(plan_checksum, planned.plan, PLAN_ARTIFACT_KEY)
            result = steps.apply(request, planned, plan_checksum, None)
            await acreate_markdown_artifact(
                key=RESULT_ARTIFACT_KEY,
                markdown=result_markdown(result),
                description="Promotion result",
            )
            failure_key = None
            logger.info("applied: %s", result.summary())
            if not result.ok:
                raise JobFailed(
                    f"promotion finished with problems: {result.summary()}; see the artifact",
                    job="promote",
                )
            return {
                "plan": planned.plan.model_dump(mode="json"),
                "result": result.model_dump(mode="json"),
            }
    except JobFailed as exc:
        return await failed_run(exc, artifact_key=failure_key, title="Dify promotion")
