"""The jobs the CLI runs, imported on first use.

The flow modules load Prefect (about a second); commands that only read (list, diff,
status…) should not pay for it, so each job is reached through a function here that
imports its flow module when it is called.
"""

# ruff: noqa: PLC0415 — deferred imports are this module's purpose

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.sync_members import BeforeApply, MembersSync
    from jobs import MembersSyncSettings, PromotionRequest, Source
    from reconcile.members.run import MembersPlanSet
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


def members_plan(settings: MembersSyncSettings, source: Source) -> MembersPlanSet:
    from flows.sync_members import run_members_plan

    return run_members_plan(settings, source)


def members_apply(
    settings: MembersSyncSettings,
    source: Source,
    *,
    reviewed: MembersPlanSet | None,
    before_apply: BeforeApply | None = None,
    invite_urls_file: str | None = None,
) -> MembersSync:
    from flows.sync_members import run_members_apply

    return run_members_apply(
        settings,
        source,
        reviewed=reviewed,
        before_apply=before_apply,
        invite_urls_file=invite_urls_file,
    )


def members_export(source: Source, workspace_id: str) -> str:
    from flows.sync_members import export_members_manifest

    return export_members_manifest(source, workspace_id)
