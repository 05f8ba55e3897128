"""Sync workspace members from a declarative manifest (plan, publish, apply when asked).

Deployed as `members-sync` (see prefect.yaml): a daily plan whose Markdown artifact shows
what would change; with its `apply` parameter set it also applies. `difyops members
plan|apply|export` run the same steps without a Prefect server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prefect import flow
from prefect.artifacts import acreate_markdown_artifact
from pydantic import BaseModel

from flows._calling import JobFailed, as_function, as_task
from flows.wording import worded_failures
from jobs import MembersSyncSettings, Source
from reconcile.freshness import Freshness
from reconcile.members.planner import PlanOverrides
from reconcile.members.render import apply_markdown, plan_markdown
from reconcile.members.run import MembersApplyResult, MembersPlanSet, ensure_fresh
from tasks.members.steps import apply_members_sync, export_members, plan_members_sync

PLAN_ARTIFACT_KEY = "dify-members-plan"
APPLY_ARTIFACT_KEY = "dify-members-apply"

__all__ = [
    "APPLY_ARTIFACT_KEY",
    "PLAN_ARTIFACT_KEY",
    "BeforeApply",
    "MembersSteps",
    "MembersSync",
    "export_members_manifest",
    "run_members_apply",
    "run_members_plan",
    "sync_members_flow",
]


class MembersSync(BaseModel):
    """A run's outcome: the plan it made and, when it applied, what became of each change.

    `already_applied`: the reviewed plan's changes were in place before this run (the
    fresh plan has none), so there was nothing to do.
    """

    plan: MembersPlanSet
    applied: MembersApplyResult | None = None
    already_applied: bool = False

    @property
    def ok(self) -> bool:
        return self.applied is None or self.applied.ok


@dataclass(frozen=True)
class MembersSteps:
    """The members job's steps, typed as the tasks are; `plain()` or `prefect()` runs them."""

    plan: Callable[[MembersSyncSettings, Source], MembersPlanSet]
    apply: Callable[[MembersPlanSet, Source, int | None, str | None], MembersApplyResult]
    export: Callable[[Source, str], str]

    @classmethod
    def plain(cls) -> MembersSteps:
        return cls(
            as_function(plan_members_sync),
            as_function(apply_members_sync),
            as_function(export_members),
        )

    @classmethod
    def prefect(cls) -> MembersSteps:
        return cls(
            as_task(plan_members_sync),
            as_task(apply_members_sync),
            as_task(export_members),
        )


Publish = Callable[[str, str, str], None]
# Called with the fresh plan once it is known to be applied, before its first change.
BeforeApply = Callable[[MembersPlanSet], None]


def _run(
    steps: MembersSteps,
    settings: MembersSyncSettings,
    source: Source,
    *,
    apply: bool,
    reviewed: MembersPlanSet | None = None,
    publish: Publish | None = None,
    before_apply: BeforeApply | None = None,
    invite_urls_file: str | None = None,
) -> MembersSync:
    plan_set = steps.plan(settings, source)
    if publish is not None:
        publish(PLAN_ARTIFACT_KEY, plan_markdown(plan_set), "Dify members plan")
    if reviewed is not None and ensure_fresh(reviewed, plan_set) is Freshness.ALREADY_APPLIED:
        return MembersSync(plan=plan_set, already_applied=True)
    if not apply or not plan_set.has_changes:
        return MembersSync(plan=plan_set)
    if before_apply is not None:
        before_apply(plan_set)
    applied = steps.apply(plan_set, source, settings.rate_limit, invite_urls_file)
    if publish is not None:
        publish(APPLY_ARTIFACT_KEY, apply_markdown(applied), "Dify members apply")
    return MembersSync(plan=plan_set, applied=applied)


def run_members_plan(settings: MembersSyncSettings, source: Source | None = None) -> MembersPlanSet:
    """Plan only, as plain function calls (what `difyops members plan` runs)."""
    return _run(MembersSteps.plain(), settings, source or Source(), apply=False).plan


def run_members_apply(
    settings: MembersSyncSettings,
    source: Source | None = None,
    *,
    reviewed: MembersPlanSet | None = None,
    before_apply: BeforeApply | None = None,
    invite_urls_file: str | None = None,
) -> MembersSync:
    """Plan afresh and apply (what `difyops members apply` runs).

    With `reviewed`, the fresh plan must match it exactly before anything changes
    (`StalePlanError` otherwise), unless its changes are in place already: then nothing
    is done (`already_applied`). `before_apply` sees the plan about to be applied;
    `invite_urls_file` receives each invitation link as its invite succeeds (see
    `tasks.members.invite_links.InviteLinkFile`).
    """
    return _run(
        MembersSteps.plain(),
        settings,
        source or Source(),
        apply=True,
        reviewed=reviewed,
        before_apply=before_apply,
        invite_urls_file=invite_urls_file,
    )


def export_members_manifest(source: Source, workspace_id: str) -> str:
    """The workspace's current membership as a manifest (`difyops members export`)."""
    return MembersSteps.plain().export(source, workspace_id)


@flow(name="sync-members", description="Sync Dify workspace members from a YAML manifest.")
async def sync_members_flow(
    manifest: str,
    apply: bool = False,
    profile: str | None = None,
    server: str | None = None,
    token_block: str | None = None,
    workspaces: list[str] | None = None,
    prune: bool | None = None,
    max_removal_ratio: float | None = None,
    allow_no_admin: bool = False,
    skip_untouchable: bool = False,
    rate_limit: int | None = 50,
) -> dict[str, Any]:
    """Plan the manifest, publish the plan as an artifact, and apply it when `apply`.

    Credentials: `token_block` (a Prefect Secret block with the bearer token) with
    `server`, or a local `profile`, or DIFY_SERVER/DIFY_TOKEN in the worker's environment.
    A refused plan (a guard, a manifest error) fails the run before anything changes; a
    change that fails during apply fails the run after the others were made.
    """
    with worded_failures("sync-members"):
        settings = MembersSyncSettings(
            manifest=manifest,
            only=workspaces or [],
            overrides=PlanOverrides(
                prune=prune,
                max_removal_ratio=max_removal_ratio,
                allow_no_admin=allow_no_admin,
                skip_untouchable=skip_untouchable,
            ),
            rate_limit=rate_limit,
        )
        source = Source(profile=profile, server=server, token_block=token_block)
        artifacts: list[tuple[str, str, str]] = []
        try:
            run = _run(
                MembersSteps.prefect(),
                settings,
                source,
                apply=apply,
                publish=lambda *a: artifacts.append(a),
            )
        finally:
            # Published even when a step raised: the plan is what the failed run was about.
            for key, markdown, description in artifacts:
                await acreate_markdown_artifact(key=key, markdown=markdown, description=description)
        if run.applied is not None and not run.applied.ok:
            failed = ", ".join(o.email for r in run.applied.results for o in r.failed)
            raise JobFailed(
                f"some member changes failed ({failed}); see the artifact", job="sync-members"
            )
        return {
            "plan": run.plan.model_dump(mode="json"),
            "applied": run.applied.model_dump(mode="json") if run.applied else None,
        }


if __name__ == "__main__":
    import asyncio
    import sys

    asyncio.run(sync_members_flow(manifest=sys.argv[1] if len(sys.argv) > 1 else "members.yml"))
