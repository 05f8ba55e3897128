"""Members tasks: plan a manifest against the live workspaces, apply a plan, export one.

Coarse on purpose: one task plans every workspace of the manifest, one applies the plan,
one call per change inside it. Reading live state costs `GET /account` (who acts, and
which workspaces it sees) plus the member pages at the largest page size (200).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from dify_client import (
    MAX_PAGE_LIMIT,
    APIStatusError,
    DifyClient,
    DifyError,
    normalize_base_url,
)
from dify_client.models import Account, AssignableRole, WorkspaceRef
from reconcile.errors import ManifestError, PlanError
from reconcile.members import MemberItem, MembersPlan, plan_members
from reconcile.members_export import manifest_from_members
from reconcile.members_loader import load_manifest
from reconcile.members_manifest import MembersManifest, WorkspaceManifest, match_workspace
from reconcile.members_run import (
    ChangeOutcome,
    MembersApplyResult,
    MembersPlanSet,
    OutcomeStatus,
    WorkspaceApplyResult,
    already_done,
)
from tasks.params import MembersSyncSettings
from tasks.sources import Source, open_client


def read_manifest(path: str) -> MembersManifest:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(
            f"{path}: cannot read the members manifest: {exc.strerror or exc}",
            hint="Pass the path of a members manifest; `difyops members export` writes one.",
        ) from None
    return load_manifest(text, source=path)


def source_for(source: Source, profile: str | None) -> Source:
    """The credentials for a manifest workspace: an explicit profile or Secret block
    wins, then DIFY_SERVER/DIFY_TOKEN (CI), then the profile the manifest names."""
    if source.profile or source.token_block or not profile or os.environ.get("DIFY_TOKEN"):
        return source
    return Source(profile=profile)


@task(name="plan-members")
def plan_members_sync(settings: MembersSyncSettings, source: Source) -> MembersPlanSet:
    """Read the manifest and the live members of each of its workspaces; plan them all."""
    return plan_manifest(read_manifest(settings.manifest), settings, source)


def plan_manifest(
    manifest: MembersManifest, settings: MembersSyncSettings, source: Source
) -> MembersPlanSet:
    """Plan an already loaded manifest (the live reads and the planning, nothing local)."""
    plans: list[MembersPlan] = []
    matched: set[str] = set()
    for entry in manifest.workspaces:
        with open_client(
            source_for(source, entry.profile), rate_limit=settings.rate_limit
        ) as client:
            account = client.account.get()
            workspace = match_workspace(entry, account.workspaces)
            wanted = _wanted(settings.only, entry, workspace)
            if wanted is None:
                continue
            matched.add(wanted)
            _check_host(entry, client)
            plans.append(
                plan_members(
                    entry,
                    list(client.members.list(workspace.id, limit=MAX_PAGE_LIMIT)),
                    actor_email=_actor_email(account),
                    workspace=workspace,
                    base_url=client.base_url,
                    overrides=settings.overrides,
                )
            )
    missing = [ref for ref in settings.only if ref not in matched]
    if missing:
        listed = ", ".join(repr(entry.ref) for entry in manifest.workspaces)
        raise PlanError(
            f"{manifest.source}: no workspace {', '.join(map(repr, missing))} in the manifest",
            hint=f"The manifest lists: {listed}.",
        )
    return MembersPlanSet(
        manifest=settings.manifest,
        overrides=settings.overrides,
        only=settings.only,
        plans=plans,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
    ).sealed()


# Invitation links are secrets: this task's result is never persisted or cached, and the
# links travel only in a field that every dump excludes.
@task(name="apply-members", persist_result=False, cache_policy=NO_CACHE)
def apply_members_sync(
    plan_set: MembersPlanSet, source: Source, rate_limit: int | None = 50
) -> MembersApplyResult:
    """Make every change of the plan, one API call each, carrying on past failures."""
    results = []
    for plan in plan_set.plans:
        result = WorkspaceApplyResult(
            workspace_id=plan.workspace_id, workspace_name=plan.workspace_name
        )
        if plan.has_changes:
            with open_client(source_for(source, plan.profile), rate_limit=rate_limit) as client:
                if plan.base_url and client.base_url != plan.base_url:
                    raise PlanError(
                        f"the plan for {plan.workspace_name!r} was made on {plan.base_url}, "
                        f"but the connection is to {client.base_url}",
                        hint="Apply with the profile or DIFY_SERVER the plan was made with.",
                    )
                for change in plan.changes:
                    result.outcomes.append(_apply_change(client, plan, change, result))
        results.append(result)
    return MembersApplyResult(results=results)


@task(name="export-members")
def export_members(source: Source, workspace_id: str) -> str:
    """The workspace's current membership as manifest text (adoption)."""
    with open_client(source) as client:
        workspace = client.workspaces.get(workspace_id)
        members = list(client.members.list(workspace.id, limit=MAX_PAGE_LIMIT))
        return manifest_from_members(workspace, members, base_url=client.base_url)


def _apply_change(
    client: DifyClient, plan: MembersPlan, change: MemberItem, result: WorkspaceApplyResult
) -> ChangeOutcome:
    try:
        if change.action == "invite":
            invite = client.members.invite(
                plan.workspace_id, change.email, _assignable(change.desired_role)
            )
            result.invite_urls[change.email] = invite.invite_url
        elif change.action == "role_change":
            client.members.update_role(
                plan.workspace_id, _member_id(change), _assignable(change.desired_role)
            )
        else:
            client.members.remove(plan.workspace_id, _member_id(change))
    except APIStatusError as exc:
        status: OutcomeStatus = (
            "already_done" if already_done(change.action, exc.status, exc.message) else "failed"
        )
        return ChangeOutcome.of(
            change,
            status,
            http_status=exc.status,
            code=exc.code,
            message=exc.message,
            hint=exc.hint,
        )
    except DifyError as exc:
        # Connection and response-shape failures: the change may or may not have happened;
        # the next plan tells which.
        return ChangeOutcome.of(change, "failed", message=str(exc), hint=exc.hint)
    return ChangeOutcome.of(change, "done")


def _assignable(role: str | None) -> AssignableRole:
    if role == "admin":
        return "admin"
    if role == "normal":
        return "normal"
    # The planner refuses other roles; reaching this means a hand-edited plan.
    raise PlanError(f"the API cannot assign the role {role!r}")


def _member_id(change: MemberItem) -> str:
    if not change.member_id:
        raise PlanError(f"the plan has no member id for {change.email}")
    return change.member_id


def _actor_email(account: Account) -> str | None:
    if account.account is not None:
        return account.account.email
    return account.subject_email


def _wanted(only: list[str], entry: WorkspaceManifest, workspace: WorkspaceRef) -> str | None:
    """Which `only` reference selects this workspace ("" when all are planned)."""
    if not only:
        return ""
    return next((ref for ref in only if ref in (entry.ref, workspace.id, workspace.name)), None)


def _check_host(entry: WorkspaceManifest, client: DifyClient) -> None:
    if entry.host is None or entry.host_at is None:
        return
    try:
        wanted = normalize_base_url(entry.host)
    except ValueError as exc:
        raise ManifestError(f"{entry.host_at}: invalid host: {exc}") from None
    if wanted != client.base_url:
        raise ManifestError(
            f"{entry.host_at}: workspace {entry.ref!r} is on {wanted}, but the connection is "
            f"to {client.base_url}",
            hint="Use the profile for that host (--profile, or `profile:` in the manifest), "
            "or set DIFY_SERVER to it.",
        )
