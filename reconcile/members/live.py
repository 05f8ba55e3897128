"""Planning a manifest against the live workspaces it names, through a reader port. Pure.

One reader per manifest workspace (each may name its own profile): who acts and which
workspaces it sees (`GET /account`), then that workspace's members. Errors of the reads
themselves pass through untouched, to be rendered at the edge like any other call's.
"""

from __future__ import annotations

from collections.abc import Sequence

from dify_client.models import Account, WorkspaceRef
from reconcile.errors import ManifestError, PlanError
from reconcile.members.manifest import MembersManifest, WorkspaceManifest, match_workspace
from reconcile.members.planner import MembersPlan, PlanOverrides, plan_members
from reconcile.members.ports import MembersReader, OpenReader
from reconcile.members.run import MembersPlanSet

HOST_HINT = (
    "Use the profile for that host (the one you run with, or `profile:` in the manifest), "
    "or set DIFY_SERVER to it."
)


def plan_manifest(
    manifest: MembersManifest,
    open_reader: OpenReader,
    *,
    manifest_path: str,
    only: Sequence[str] = (),
    overrides: PlanOverrides | None = None,
    generated_at: str | None = None,
) -> MembersPlanSet:
    """The sealed plans of the manifest's workspaces (those `only` names, when given)."""
    overrides = overrides or PlanOverrides()
    plans: list[MembersPlan] = []
    matched: set[str] = set()
    for entry in manifest.workspaces:
        with open_reader(entry) as reader:
            account = reader.account()
            workspace = match_workspace(entry, account.workspaces)
            wanted = _wanted(only, entry, workspace)
            if wanted is None:
                continue
            matched.add(wanted)
            _check_host(entry, reader)
            plans.append(
                plan_members(
                    entry,
                    reader.members(workspace.id),
                    actor_email=_actor_email(account),
                    workspace=workspace,
                    base_url=reader.base_url,
                    overrides=overrides,
                )
            )
    missing = [ref for ref in only if ref not in matched]
    if missing:
        listed = ", ".join(repr(entry.ref) for entry in manifest.workspaces)
        raise PlanError(
            f"{manifest.source}: no workspace {', '.join(map(repr, missing))} in the manifest",
            hint=f"The manifest lists: {listed}.",
        )
    return MembersPlanSet(
        manifest=manifest_path,
        overrides=overrides,
        only=list(only),
        plans=plans,
        generated_at=generated_at,
    ).sealed()


def _actor_email(account: Account) -> str | None:
    if account.account is not None:
        return account.account.email
    return account.subject_email


def _wanted(only: Sequence[str], entry: WorkspaceManifest, workspace: WorkspaceRef) -> str | None:
    """Which `only` reference selects this workspace ("" when all are planned)."""
    if not only:
        return ""
    return next((ref for ref in only if ref in (entry.ref, workspace.id, workspace.name)), None)


def _check_host(entry: WorkspaceManifest, reader: MembersReader) -> None:
    if entry.host is None or entry.host_at is None:
        return
    try:
        wanted = reader.normalize_url(entry.host)
    except ValueError as exc:
        raise ManifestError(f"{entry.host_at}: invalid host: {exc}") from None
    if wanted != reader.base_url:
        raise ManifestError(
            f"{entry.host_at}: workspace {entry.ref!r} is on {wanted}, but the connection is "
            f"to {reader.base_url}",
            hint=HOST_HINT,
        )
