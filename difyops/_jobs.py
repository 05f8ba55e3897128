"""The jobs the CLI runs, imported on first use.

The flow modules load Prefect (about a second); commands that only read (list, diff,
status…) should not pay for it, so each job is reached through a function here that
imports its flow module when it is called.
"""

# ruff: noqa: PLC0415 — deferred imports are this module's purpose

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobs import PromotionRequest
    from reconcile.promotion.plan import PromotionPlan
    from reconcile.promotion.result import PromotionResult


def promotion_plan(request: PromotionRequest) -> PromotionPlan:
    from flows.promote import run_plan

    return run_plan(request)


def promotion_apply(
    request: PromotionRequest, expected_checksum: str | None = None
) -> tuple[PromotionPlan, PromotionResult]:
    from flows.promote import run_apply

    return run_apply(request, expected_checksum)
