"""Promotion tasks: plan (read both sides, compare) and apply (import, confirm, verify,
roll back). Each is one coarse task; the per-app work runs inside it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

from prefect import task

from jobs import PromotionRequest
from reconcile.freshness import Freshness, check_fresh, short_checksum
from reconcile.promotion.plan import PromotionPlan
from reconcile.promotion.ports import ApplyProgress
from reconcile.promotion.result import PromotionResult
from tasks.promotion.apply import apply_plan
from tasks.promotion.compare import compare_sides
from tasks.promotion.live_state import with_live_notes
from tasks.promotion.sides import open_target
from tasks.promotion.target_check import with_target_check


@dataclass
class Planned:
    """A plan and the source DSLs it was made from, by app name. Apply imports exactly
    these; they hold no secrets (sources are exported without them)."""

    plan: PromotionPlan
    source_texts: dict[str, str] = field(default_factory=dict)


@task(name="plan-promotion")
def plan_promotion_task(
    request: PromotionRequest, say: Callable[[str], None] | None = None
) -> Planned:
    """List both sides, match the selected apps, export them, and compare. `say` (plain
    runs only) hears each step as it starts."""
    with ExitStack() as stack:
        compared = compare_sides(stack, request, say)
        if say is not None and compared.plan.apps:
            say("checking the target's live versions and imports…")
        plan = with_live_notes(compared.plan, compared.target_client, compared.target_docs)
        source_texts = {name: doc.text for name, doc in compared.source_docs.items()}
        plan = with_target_check(plan, compared.target_client, source_texts)
    return Planned(plan, source_texts)


@task(name="apply-promotion")
def apply_promotion_task(
    request: PromotionRequest,
    planned: Planned,
    expected_checksum: str | None = None,
    progress: ApplyProgress | None = None,
) -> PromotionResult:
    """Apply a fresh plan, refusing it when it is not the reviewed one (its checksum).
    `progress` (plain runs only) hears of each changing app as it starts and ends."""
    plan = planned.plan
    if expected_checksum and _is_already_applied(expected_checksum, plan):
        return PromotionResult(checksum=plan.checksum, nothing_to_do=True)
    with open_target(request.target, rate_limit=request.rate_limit) as client:
        return apply_plan(
            client,
            plan,
            planned.source_texts,
            concurrency=request.concurrency,
            progress=progress,
        )


def _is_already_applied(reviewed: str, fresh: PromotionPlan) -> bool:
    """Whether the reviewed plan is in place already; `StalePlanError` if the apps moved."""
    freshness = check_fresh(
        reviewed,
        fresh.checksum,
        fresh_has_changes=fresh.has_changes,
        moved="the source or target apps",
        differences=lambda: (
            f"checksum {short_checksum(reviewed)} is now {short_checksum(fresh.checksum)}"
        ),
    )
    return freshness is Freshness.ALREADY_APPLIED
