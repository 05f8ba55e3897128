"""Members tasks: plan a manifest against the live workspaces, apply a plan, export one.

Coarse on purpose: one task plans every workspace of the manifest, one applies the plan,
one call per change inside it. Reading live state costs `GET /account` (who acts, and
which workspaces it sees) plus the member pages at the largest page size (200). The
policy of both is in `reconcile.members` (`live`, `apply`); these bind it to the client
(`tasks.members.adapters`) and to the operator's files.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

from prefect import task
from prefect.cache_policies import NO_CACHE

from jobs import MembersSyncSettings, Source
from reconcile.members.apply import apply_members, reinvites
from reconcile.members.ports import ChangeProgress
from reconcile.members.run import MembersApplyResult, MembersPlanSet
from tasks.members.adapters import writer_opener
from tasks.members.invite_links import InviteLinkFile, lost_links
from tasks.members.reading import export_manifest, plan_manifest, plan_members, read_manifest

# Re-exported: the reads live in `tasks.members.reading` (no Prefect there).
__all__ = [
    "apply_members_sync",
    "export_members",
    "links_to_reissue",
    "plan_manifest",
    "plan_members_sync",
    "read_manifest",
]


@task(name="plan-members")
def plan_members_sync(
    settings: MembersSyncSettings, source: Source, say: Callable[[str], None] | None = None
) -> MembersPlanSet:
    """Read the manifest and the live members of each of its workspaces; plan them all.
    `say` (plain runs only) hears each read as it is made."""
    return plan_members(settings, source, say)


# Invitation links are secrets: this task's result is never persisted or cached, and the
# links travel only in a field that every dump excludes.
@task(name="apply-members", persist_result=False, cache_policy=NO_CACHE)
def apply_members_sync(
    plan_set: MembersPlanSet,
    source: Source,
    rate_limit: int | None = 50,
    invite_urls_file: str | None = None,
    progress: ChangeProgress | None = None,
) -> MembersApplyResult:
    """Make every change of the plan, one API call each, carrying on past failures.

    With `invite_urls_file`, each invitation link is written there (mode 0600, synced)
    before its invite counts as done; the file is opened before the first change, so a
    path that cannot be written stops the apply before anything changed. Pending
    invitees an earlier apply with the file invited but whose link it lost (a kill in
    between) are invited again, for a new link. `progress` (plain runs only) hears of
    each change as its call starts and ends.
    """
    relink = lost_links(invite_urls_file)
    with ExitStack() as stack:
        links = None
        if invite_urls_file and (relink or any(plan.count("invite") for plan in plan_set.plans)):
            links = stack.enter_context(InviteLinkFile(invite_urls_file))
        return apply_members(plan_set, writer_opener(source, rate_limit), links, relink, progress)


def links_to_reissue(plan_set: MembersPlanSet, invite_urls_file: str | None) -> int:
    """How many pending invitees of the plan an earlier apply with this file invited
    without keeping the link: an apply invites them again even if nothing else changes."""
    relink = lost_links(invite_urls_file)
    return sum(len(reinvites(plan, relink)) for plan in plan_set.plans) if relink else 0


@task(name="export-members")
def export_members(source: Source, workspace_id: str) -> str:
    """The workspace's current membership as manifest text (adoption)."""
    return export_manifest(source, workspace_id)
