"""Members tasks: plan a manifest against the live workspaces, apply a plan, export one.

Coarse on purpose: one task plans every workspace of the manifest, one applies the plan,
one call per change inside it. Reading live state costs `GET /account` (who acts, and
which workspaces it sees) plus the member pages at the largest page size (200).
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import SecretStr

from dify_client import (
    MAX_PAGE_LIMIT,
    APIStatusError,
    DifyClient,
    DifyError,
    normalize_base_url,
)
from dify_client.models import Account, AssignableRole, WorkspaceRef
from jobs import MembersSyncSettings, Source
from reconcile.errors import ManifestError, PlanError
from reconcile.members.export import manifest_from_members
from reconcile.members.loader import load_manifest
from reconcile.members.manifest import MembersManifest, WorkspaceManifest, match_workspace
from reconcile.members.planner import MemberItem, MembersPlan, plan_members
from reconcile.members.run import (
    ChangeOutcome,
    MembersApplyResult,
    MembersPlanSet,
    OutcomeStatus,
    WorkspaceApplyResult,
    already_done,
)
from tasks.sources import open_client

logger = logging.getLogger(__name__)


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
    plan_set: MembersPlanSet,
    source: Source,
    rate_limit: int | None = 50,
    invite_urls_file: str | None = None,
) -> MembersApplyResult:
    """Make every change of the plan, one API call each, carrying on past failures.

    With `invite_urls_file`, each invitation link is written there (mode 0600) the moment
    its invite succeeds; the file is opened before the first change, so a path that cannot
    be written stops the apply before anything changed.
    """
    links = InviteLinkFile(invite_urls_file) if invite_urls_file and _invites(plan_set) else None
    try:
        results = [_apply_workspace(plan, source, rate_limit, links) for plan in plan_set.plans]
    finally:
        if links is not None:
            links.close()
    return MembersApplyResult(
        results=results, invite_links_saved=links.saved if links is not None else 0
    )


class InviteLinkFile:
    """`email<TAB>link` lines in a file only its owner can read, one per successful invite.

    Each line goes to the operating system as its invite succeeds (no buffering), so an
    exception or an interruption later in the apply loses none of the links already
    issued: the planner never invites a pending member again, so a link not kept then is
    never kept. For the same reason lines are appended: a later run never drops the links
    of an earlier one (delete the file once the links are handed out).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.saved = 0
        try:
            self._descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise _unwritable(path, exc) from None
        try:
            # Created 0600, but an existing file keeps its mode unless told: tighten it
            # before any link is written.
            os.fchmod(self._descriptor, 0o600)
        except OSError as exc:
            os.close(self._descriptor)
            raise _unwritable(path, exc) from None

    def add(self, email: str, url: SecretStr) -> None:
        data = f"{email}\t{url.get_secret_value()}\n".encode()
        while data:
            data = data[os.write(self._descriptor, data) :]
        self.saved += 1

    def close(self) -> None:
        os.close(self._descriptor)


@task(name="export-members")
def export_members(source: Source, workspace_id: str) -> str:
    """The workspace's current membership as manifest text (adoption)."""
    with open_client(source) as client:
        workspace = client.workspaces.get(workspace_id)
        members = list(client.members.list(workspace.id, limit=MAX_PAGE_LIMIT))
        return manifest_from_members(workspace, members, base_url=client.base_url)


def _unwritable(path: str, exc: OSError) -> PlanError:
    return PlanError(
        f"cannot write the invitation links to {path}: {exc.strerror or exc}",
        hint="Pass --invite-urls a file you can write, in a directory you can write to; "
        "nothing was changed.",
    )


def _apply_workspace(
    plan: MembersPlan, source: Source, rate_limit: int | None, links: InviteLinkFile | None
) -> WorkspaceApplyResult:
    result = WorkspaceApplyResult(
        workspace_id=plan.workspace_id, workspace_name=plan.workspace_name
    )
    if not plan.has_changes:
        return result
    try:
        client = open_client(source_for(source, plan.profile), rate_limit=rate_limit)
    except Exception as exc:  # noqa: BLE001 — see _failure: one workspace must not stop the rest
        result.outcomes += [_failure(change, exc) for change in plan.changes]
        return result
    with client:
        if plan.base_url and client.base_url != plan.base_url:
            wrong_host = PlanError(
                f"the plan for {plan.workspace_name!r} was made on {plan.base_url}, "
                f"but the connection is to {client.base_url}",
                hint="Apply with the profile or DIFY_SERVER the plan was made with.",
            )
            result.outcomes += [_failure(change, wrong_host) for change in plan.changes]
            return result
        for change in plan.changes:
            result.outcomes.append(_apply_change(client, plan, change, result, links))
    return result


def _apply_change(
    client: DifyClient,
    plan: MembersPlan,
    change: MemberItem,
    result: WorkspaceApplyResult,
    links: InviteLinkFile | None,
) -> ChangeOutcome:
    try:
        if change.action == "invite":
            invite = client.members.invite(
                plan.workspace_id, change.email, _assignable(change.desired_role)
            )
            result.invite_urls[change.email] = invite.invite_url
            if links is not None:
                return _keep_link(links, change, invite.invite_url)
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
    except Exception as exc:  # noqa: BLE001 — see _failure
        return _failure(change, exc)
    return ChangeOutcome.of(change, "done")


def _keep_link(links: InviteLinkFile, change: MemberItem, url: SecretStr) -> ChangeOutcome:
    """The invite is made whatever happens here; only the saving of its link can fail."""
    try:
        links.add(change.email, url)
    except OSError as exc:
        return ChangeOutcome.of(
            change,
            "done",
            message=f"invited, but its link could not be written to {links.path}: "
            f"{exc.strerror or exc}",
            hint="Dify e-mails the invitation to the invitee.",
        )
    return ChangeOutcome.of(change, "done")


def _failure(change: MemberItem, exc: Exception) -> ChangeOutcome:
    """Any exception from one change becomes that change's failed outcome, so the changes
    after it are still made and every outcome is still reported (exit 1 all the same).

    Client errors (a connection lost past the retries, a malformed answer) carry their own
    message and hint; anything else is named by its type. Either way the change may or may
    not have been made, and the next plan tells which.
    """
    if isinstance(exc, DifyError | PlanError):
        return ChangeOutcome.of(change, "failed", message=exc.message, hint=exc.hint)
    logger.debug("unexpected failure of %s %s", change.action, change.email, exc_info=True)
    return ChangeOutcome.of(
        change,
        "failed",
        message=f"unexpected {type(exc).__name__}: {exc}",
        hint="The next plan shows whether it was made; if this repeats, report it as a bug.",
    )


def _invites(plan_set: MembersPlanSet) -> int:
    return sum(plan.count("invite") for plan in plan_set.plans)


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
