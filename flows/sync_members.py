"""Sync workspace members from a declarative manifest (plan, publish, apply when asked).

Deployed as `members-sync` (see prefect.yaml): a daily plan whose Markdown artifact shows
what would change; with its `apply` parameter set it also applies. `difyops members
plan|apply|export` run the same steps without a Prefect server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Annotated, Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.schemas.objects import State
from pydantic import BaseModel, Field

from flows._calling import JobFailed, as_function, as_task
from flows._reviewed import artifact_history
from flows.wording import failed_run, worded_failures
from jobs import MembersSyncSettings, Source
from reconcile.errors import PlanError
from reconcile.freshness import Freshness
from reconcile.members.planner import PlanOverrides
from reconcile.members.ports import ChangeProgress
from reconcile.members.render import apply_markdown, plan_markdown
from reconcile.members.run import (
    MembersApplyResult,
    MembersPlanSet,
    ensure_checksum,
    ensure_fresh,
)
from tasks.members.steps import (
    apply_members_sync,
    export_members,
    links_to_reissue,
    plan_members_sync,
)

PLAN_ARTIFACT_KEY = "dify-members-plan"
APPLY_ARTIFACT_KEY = "dify-members-apply"

__all__ = [
    "APPLY_ARTIFACT_KEY",
    "PLAN_ARTIFACT_KEY",
    "BeforeApply",
    "MembersSteps",
    "MembersSync",
    "Publisher",
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
    apply: Callable[
        [MembersPlanSet, Source, int | None, str | None, ChangeProgress | None],
        MembersApplyResult,
    ]
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


# Called with the fresh plan once it is known to be applied, before its first change.
BeforeApply = Callable[[MembersPlanSet], None]
# Whether the reviewed plan may be applied as the fresh one (see `reconcile.freshness`).
Check = Callable[[MembersPlanSet], Freshness]


@dataclass(frozen=True)
class Publisher:
    """What a flow does with the plan as soon as it is made, and with the apply's result."""

    plan: Callable[[MembersPlanSet], None]
    applied: Callable[[MembersApplyResult], None]


def _run(
    steps: MembersSteps,
    settings: MembersSyncSettings,
    source: Source,
    *,
    apply: bool,
    check: Check | None = None,
    publish: Publisher | None = None,
    before_apply: BeforeApply | None = None,
    invite_urls_file: str | None = None,
    progress: ChangeProgress | None = None,
) -> MembersSync:
    plan_set = steps.plan(settings, source)
    if publish is not None:
        publish.plan(plan_set)
    if check is not None and check(plan_set) is Freshness.ALREADY_APPLIED:
        return MembersSync(plan=plan_set, already_applied=True)
    if not apply or not (plan_set.has_changes or links_to_reissue(plan_set, invite_urls_file)):
        return MembersSync(plan=plan_set)
    if before_apply is not None:
        before_apply(plan_set)
    applied = steps.apply(plan_set, source, settings.rate_limit, invite_urls_file, progress)
    if publish is not None:
        publish.applied(applied)
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
    progress: ChangeProgress | None = None,
    say: Callable[[str], None] | None = None,
) -> MembersSync:
    """Plan afresh and apply (what `difyops members apply` runs).

    With `reviewed`, the fresh plan must match it exactly before anything changes
    (`StalePlanError` otherwise), unless its changes are in place already: then nothing
    is done (`already_applied`). `before_apply` sees the plan about to be applied;
    `invite_urls_file` receives each invitation link as its invite succeeds (see
    `tasks.members.invite_links.InviteLinkFile`). `before_apply` may stop the run
    before its first change by raising; `progress` hears of each change as it is made;
    `say` hears each read of the planning as it is made.
    """
    steps = MembersSteps.plain()
    if say is not None:
        steps = replace(steps, plan=partial(as_function(plan_members_sync), say=say))
    return _run(
        steps,
        settings,
        source or Source(),
        apply=True,
        check=None if reviewed is None else partial(ensure_fresh, reviewed),
        before_apply=before_apply,
        invite_urls_file=invite_urls_file,
        progress=progress,
    )


def export_members_manifest(source: Source, workspace_id: str) -> str:
    """The workspace's current membership as a manifest (`difyops members export`)."""
    return MembersSteps.plain().export(source, workspace_id)


NonEmpty = Annotated[str, Field(min_length=1)]


@flow(name="sync-members", description="Sync Dify workspace members from a YAML manifest.")
async def sync_members_flow(
    manifest: NonEmpty,
    apply: bool = False,
    plan_checksum: NonEmpty | None = None,
    invite_urls_file: NonEmpty | None = None,
    profile: NonEmpty | None = None,
    server: NonEmpty | None = None,
    token_block: NonEmpty | None = None,
    workspaces: list[str] | None = None,
    prune: bool | None = None,
    max_removal_ratio: Annotated[float, Field(ge=0, le=1)] | None = None,
    allow_no_admin: bool = False,
    skip_untouchable: bool = False,
    max_invites: Annotated[int, Field(ge=0)] | None = None,
    rate_limit: Annotated[int, Field(ge=1)] | None = 50,
) -> dict[str, Any] | State[Any]:
    """Plan the manifest, publish the plan as an artifact, and apply it when `apply`.

    `plan_checksum` (copied from a reviewed dify-members-plan artifact) makes the run
    refuse a fresh plan that differs from the reviewed one, before anything changes; when
    the reviewed changes are in place already, there is nothing to do. `invite_urls_file`
    (a path on the worker) keeps each invitation link, mode 0600, as its invite succeeds;
    links are never logged, returned or shown in an artifact.

    Credentials: `token_block` (a Prefect Secret block with the bearer token) with
    `server`, or a local `profile`, or DIFY_SERVER/DIFY_TOKEN in the worker's environment.
    A refused plan (a guard, a manifest error, a stale checksum) fails the run before
    anything changes; a change that fails during apply fails the run after the others
    were made.

    Args:
        manifest: Path of the members manifest on the worker.
        apply: Make the changes (plan only when false).
        plan_checksum: The checksum of the reviewed dify-members-plan artifact; the run
            applies only that plan.
        invite_urls_file: Path on the worker where each invitation link is appended
            (mode 0600); without it the links are not kept.
        profile: A difyops profile signed in on the worker.
        server: The Dify server's URL (with token_block).
        token_block: The Prefect Secret block holding the bearer token.
        workspaces: Only these manifest workspaces (ids or names); all when empty.
        prune: Remove members the manifest does not list (overrides the manifest).
        max_removal_ratio: The largest share of a workspace one run may remove (0 to 1).
        allow_no_admin: Allow a plan that leaves no active owner or admin.
        skip_untouchable: Leave the owner and the acting account as they are instead of
            refusing a manifest that would change or remove them.
        max_invites: The most people one run may invite into a workspace (unset: 500).
        rate_limit: Requests per minute per token at most (Dify's own limit is 60; unset:
            no limit).
    """
    logger = get_run_logger()
    artifacts: list[tuple[str, str, str]] = []
    try:
        with worded_failures("sync-members"):
            _refuse_empty(
                manifest=manifest,
                plan_checksum=plan_checksum,
                invite_urls_file=invite_urls_file,
                profile=profile,
                server=server,
                token_block=token_block,
            )
            settings = MembersSyncSettings(
                manifest=manifest,
                only=workspaces or [],
                overrides=PlanOverrides(
                    prune=prune,
                    max_removal_ratio=max_removal_ratio,
                    allow_no_admin=allow_no_admin,
                    skip_untouchable=skip_untouchable,
                    max_invites=max_invites,
                ),
                rate_limit=rate_limit,
            )
            source = Source(profile=profile, server=server, token_block=token_block)

            def planned(plan_set: MembersPlanSet) -> None:
                artifacts.append((PLAN_ARTIFACT_KEY, plan_markdown(plan_set), "Dify members plan"))
                for line in plan_lines(plan_set):
                    logger.info(line)

            def applied(result: MembersApplyResult) -> None:
                artifacts.append((APPLY_ARTIFACT_KEY, apply_markdown(result), "Dify members apply"))
                for line in apply_lines(result, invite_urls_file):
                    logger.info(line)

            def check(plan_set: MembersPlanSet) -> Freshness:
                assert plan_checksum is not None
                return ensure_checksum(plan_checksum, plan_set, artifact_history(PLAN_ARTIFACT_KEY))

            def warn_links(plan_set: MembersPlanSet) -> None:
                if invite_urls_file is None and any(p.count("invite") for p in plan_set.plans):
                    logger.warning(LINKS_NOT_KEPT)

            try:
                run = _run(
                    MembersSteps.prefect(),
                    settings,
                    source,
                    apply=apply,
                    check=check if plan_checksum is not None else None,
                    publish=Publisher(planned, applied),
                    before_apply=warn_links,
                    invite_urls_file=invite_urls_file,
                )
            finally:
                # Published even when a step raised: the plan is what the failed run was about.
                for key, markdown, description in artifacts:
                    await acreate_markdown_artifact(
                        key=key, markdown=markdown, description=description
                    )
            if run.already_applied:
                logger.info("The reviewed plan's changes are in place already: nothing to do.")
            elif run.applied is None and run.plan.has_changes:
                logger.info("Plan only: nothing was changed (set apply=true to make the changes).")
            if run.applied is not None and not run.applied.ok:
                failed = ", ".join(o.email for r in run.applied.results for o in r.failed)
                raise JobFailed(
                    f"some member changes failed ({failed}); see the artifact", job="sync-members"
                )
            return {
                "plan": run.plan.model_dump(mode="json"),
                "applied": run.applied.model_dump(mode="json") if run.applied else None,
                "already_applied": run.already_applied,
            }

    except JobFailed as exc:
        planned_already = any(key == PLAN_ARTIFACT_KEY for key, _, _ in artifacts)
        return await failed_run(
            exc,
            artifact_key=None if planned_already else PLAN_ARTIFACT_KEY,
            title="Dify members sync",
        )


LINKS_NOT_KEPT = (
    "The invitation links are not kept (no invite_urls_file): Dify e-mails the invitations, "
    "and pending invitees are not invited again."
)


def plan_lines(plan_set: MembersPlanSet) -> list[str]:
    """The plan as log lines: one per workspace, then its checksum."""
    lines = [f"Plan for {p.workspace_name!r}: {p.summary()}." for p in plan_set.plans]
    return [*lines, f"Plan checksum {plan_set.checksum}."]


def apply_lines(result: MembersApplyResult, invite_urls_file: str | None) -> list[str]:
    """What the apply did as log lines: counts per workspace, and where links were kept."""
    lines = []
    for workspace in result.results:
        counts = Counter(o.status for o in workspace.outcomes)
        lines.append(
            f"Applied to {workspace.workspace_name!r}: {counts['done']} done, "
            f"{counts['already_done']} already done, {counts['failed']} failed."
        )
    if result.invite_links_saved:
        lines.append(
            f"{result.invite_links_saved} invitation link(s) written to {invite_urls_file}."
        )
    return lines


def _refuse_empty(**values: str | None) -> None:
    """The schema refuses empty strings; a caller that skips it is refused here."""
    empty = [name for name, value in values.items() if value is not None and not value.strip()]
    if empty:
        raise PlanError(
            f"empty flow parameter(s): {', '.join(empty)}",
            hint="Give each a value, or leave it unset.",
        )


if __name__ == "__main__":
    import asyncio
    import sys

    asyncio.run(sync_members_flow(manifest=sys.argv[1] if len(sys.argv) > 1 else "members.yml"))
