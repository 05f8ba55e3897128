"""Sync workspace members from a declarative manifest (plan, publish, apply when asked).

Deployed as `members-sync` (see prefect.yaml): a daily plan whose Markdown artifact shows
what would change; with its `apply` parameter set it also applies. `difyops members
plan|apply|export` run the same steps without a Prefect server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect import flow
from prefect.artifacts import acreate_markdown_artifact
from pydantic import BaseModel

from flows._calling import StepRunner, as_functions, as_tasks
from jobs import MembersSyncSettings, Source
from reconcile.errors import StalePlanError
from reconcile.members.planner import PlanOverrides
from reconcile.members.render import apply_markdown, plan_markdown
from reconcile.members.run import MembersApplyResult, MembersPlanSet, ensure_fresh
from tasks.members.steps import (
    apply_members_sync,
    export_members,
    plan_members_sync,
)

PLAN_ARTIFACT_KEY = "dify-members-plan"
APPLY_ARTIFACT_KEY = "dify-members-apply"

__all__ = [
    "APPLY_ARTIFACT_KEY",
    "PLAN_ARTIFACT_KEY",
    "BeforeApply",
    "MembersSync",
    "MembersSyncSettings",
    "PlanOverrides",
    "Source",
    "StalePlanError",
    "export_members_manifest",
    "run_members_apply",
    "run_members_plan",
    "sync_members",
    "sync_members_flow",
]


class MembersSync(BaseModel):
    """A run's outcome: the plan it made and, when it applied, what became of each change."""

    plan: MembersPlanSet
    applied: MembersApplyResult | None = None

    @property
    def ok(self) -> bool:
        return self.applied is None or self.applied.ok


Publish = Callable[[str, str, str], None]
# Called with the fresh plan once it is known to be applied, before its first change.
BeforeApply = Callable[[MembersPlanSet], None]


def _steps(
    settings: MembersSyncSettings,
    source: Source,
    call: StepRunner,
    *,
    apply: bool,
    reviewed: MembersPlanSet | None = None,
    publish: Publish | None = None,
    before_apply: BeforeApply | None = None,
    invite_urls_file: str | None = None,
) -> MembersSync:
    plan_set: MembersPlanSet = call(plan_members_sync, settings, source)
    if publish is not None:
        publish(PLAN_ARTIFACT_KEY, plan_markdown(plan_set), "Dify members plan")
    if reviewed is not None:
        ensure_fresh(reviewed, plan_set)
    if not apply or not plan_set.has_changes:
        return MembersSync(plan=plan_set)
    if before_apply is not None:
        before_apply(plan_set)
    applied: MembersApplyResult = call(
        apply_members_sync, plan_set, source, settings.rate_limit, invite_urls_file
    )
    if publish is not None:
        publish(APPLY_ARTIFACT_KEY, apply_markdown(applied), "Dify members apply")
    return MembersSync(plan=plan_set, applied=applied)


def run_members_plan(settings: MembersSyncSettings, source: Source | None = None) -> MembersPlanSet:
    """Plan only, as plain function calls (what `difyops members plan` runs)."""
    return _steps(settings, source or Source(), as_functions, apply=False).plan


def run_members_apply(
    settings: MembersSyncSettings,
    source: Source | None = None,
    *,
    reviewed: MembersPlanSet | None = None,
    before_apply: BeforeApply | None = None,
    invite_urls_file: str | None = None,
) -> MembersSync:
    """Plan afresh and apply (what `difyops members apply` runs). With `reviewed`, the
    fresh plan must match it exactly (`StalePlanError` otherwise) before anything changes.
    `before_apply` sees the plan about to be applied; `invite_urls_file` receives each
    invitation link as its invite succeeds (see `tasks.members.InviteLinkFile`)."""
    return _steps(
        settings,
        source or Source(),
        as_functions,
        apply=True,
        reviewed=reviewed,
        before_apply=before_apply,
        invite_urls_file=invite_urls_file,
    )


def sync_members(
    manifest: str,
    *,
    apply: bool = False,
    source: Source | None = None,
    overrides: PlanOverrides | None = None,
) -> MembersSync:
    """Plan a manifest and, with `apply=True`, apply it — for scripts and the demo.

    >>> first = sync_members("examples/members.yml", apply=True)
    >>> sync_members("examples/members.yml").plan.has_changes
    False
    """
    settings = MembersSyncSettings(manifest=manifest, overrides=overrides or PlanOverrides())
    return _steps(settings, source or Source(), as_functions, apply=apply)


def export_members_manifest(source: Source, workspace_id: str) -> str:
    """The workspace's current membership as a manifest (`difyops members export`)."""
    text: str = export_members.fn(source, workspace_id)
    return text


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
        run = _steps(
            settings, source, as_tasks, apply=apply, publish=lambda *a: artifacts.append(a)
        )
    finally:
        # Published even when a step raised: the plan is what the failed run was about.
        for key, markdown, description in artifacts:
            await acreate_markdown_artifact(key=key, markdown=markdown, description=description)
    if run.applied is not None and not run.applied.ok:
        failed = ", ".join(o.email for r in run.applied.results for o in r.failed)
        raise RuntimeError(f"some member changes failed ({failed}); see the artifact")
    return {
        "plan": run.plan.model_dump(mode="json"),
        "applied": run.applied.model_dump(mode="json") if run.applied else None,
    }


if __name__ == "__main__":
    import asyncio
    import sys

    asyncio.run(sync_members_flow(manifest=sys.argv[1] if len(sys.argv) > 1 else "members.yml"))
