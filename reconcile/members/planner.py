"""Plan a workspace's membership from its manifest entry and the live member list. Pure.

`plan_members` compares the two (emails case-insensitively) and returns a `MembersPlan`:
one item per person, each an invite, a role change, a removal, or something left alone
(unchanged, not manageable, or unlisted while prune is off). The guards live here, so a
plan that exists is a plan that may be applied:

- never the owner, never the acting account: the API refuses both, and a manifest that
  asks for it is usually wrong (override: skip_untouchable leaves them as they are);
- removal only with prune (manifest `prune: true` or the prune override);
- no run removes more than `max_removal_ratio` of the members (override:
  max_removal_ratio);
- no run invites more than `DEFAULT_MAX_INVITES` people into one workspace (override:
  max_invites);
- no plan leaves the workspace without an active owner or admin (override:
  allow_no_admin);
- owner, editor and dataset_operator may only acknowledge a member's current role: the
  API assigns normal and admin only, so a manifest that needs another is refused at the
  line that asks for it (no override: set those roles in the Dify console).

Pending invitees (account status `pending`) count as present: they are never re-invited
and their role is left as invited until they accept; with prune, an invitee missing from
the manifest is removed, which cancels the invitation (peribolos #9483).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from dify_client.models.workspaces import Member
from reconcile.errors import ManifestError, Override, Setting, UnsafePlanError, Words, join
from reconcile.members.manifest import (
    ASSIGNABLE_ROLES,
    Location,
    ManifestMember,
    NamedWorkspace,
    WorkspaceManifest,
)
from reconcile.members.plan import (
    CHANGE_ACTIONS,
    DEFAULT_MAX_INVITES,
    MemberAction,
    MemberItem,
    MembersPlan,
    PlanOverrides,
    PlanSettings,
)

__all__ = [
    "CHANGE_ACTIONS",
    "MemberAction",
    "MemberItem",
    "MembersPlan",
    "PlanOverrides",
    "PlanSettings",
    "effective_settings",
    "plan_members",
]

MANAGING_ROLES = ("owner", "admin")


def effective_settings(entry: WorkspaceManifest, overrides: PlanOverrides) -> PlanSettings:
    return PlanSettings(
        prune=entry.prune if overrides.prune is None else overrides.prune,
        max_removal_ratio=entry.max_removal_ratio
        if overrides.max_removal_ratio is None
        else overrides.max_removal_ratio,
        allow_no_admin=overrides.allow_no_admin,
        skip_untouchable=overrides.skip_untouchable,
    )


def plan_members(
    manifest_workspace: WorkspaceManifest,
    live_members: Sequence[Member],
    *,
    actor_email: str | None,
    workspace: NamedWorkspace,
    base_url: str = "",
    overrides: PlanOverrides | None = None,
) -> MembersPlan:
    """The plan for one workspace, or `ManifestError`/`UnsafePlanError` naming every
    refusal (each at its manifest line, each with the override that lifts it)."""
    overrides = overrides or PlanOverrides()
    settings = effective_settings(manifest_workspace, overrides)
    planner = _Planner(manifest_workspace, live_members, actor_email, workspace, settings)
    items = planner.items()
    planner.check_invites(items, overrides.max_invites)
    planner.check_removal_ratio(items)
    planner.check_admins_remain(items)
    planner.raise_refusals()
    actor = planner.live.get(actor_email.lower()) if actor_email else None
    plan = MembersPlan(
        workspace_id=workspace.id,
        workspace_name=workspace.name,
        base_url=base_url,
        profile=manifest_workspace.profile,
        manifest=manifest_workspace.source,
        actor_email=actor_email.lower() if actor_email else None,
        actor_role=actor.role if actor else None,
        settings=settings,
        items=_ordered(items),
        notes=_notes(items, settings, actor),
    )
    return plan.model_copy(update={"checksum": plan.computed_checksum()})


@dataclass(frozen=True)
class _Refusal:
    at: Location
    message: Words
    override: Override | None  # None: only the manifest can fix it


class _Planner:
    def __init__(
        self,
        entry: WorkspaceManifest,
        live_members: Sequence[Member],
        actor_email: str | None,
        workspace: NamedWorkspace,
        settings: PlanSettings,
    ) -> None:
        self.entry = entry
        self.live = {member.email.lower(): member for member in live_members}
        self.actor = actor_email.lower() if actor_email else None
        self.label = f"workspace {workspace.name!r}"
        self.settings = settings
        self.refusals: list[_Refusal] = []

    # -- items ------------------------------------------------------------------------

    def items(self) -> list[MemberItem]:
        items = [self.desired(member) for member in self.entry.members]
        listed = {member.email for member in self.entry.members}
        items += [self.unlisted(m) for email, m in self.live.items() if email not in listed]
        return items

    def desired(self, wanted: ManifestMember) -> MemberItem:
        live = self.live.get(wanted.email)
        action, note = self.decide(wanted, live)
        return MemberItem(
            action=action,
            email=wanted.email,
            member_id=live.id if live else None,
            name=live.name if live else None,
            role=live.role if live else None,
            desired_role=wanted.role,
            status=live.status if live else None,
            note=note,
            line=wanted.at.line,
        )

    def decide(
        self, wanted: ManifestMember, live: Member | None
    ) -> tuple[MemberAction, str | None]:
        if wanted.email in self.entry.protect:
            return "not_manageable", "protected"
        if live is None:
            if wanted.role not in ASSIGNABLE_ROLES:
                self.refuse_role(wanted, "invite them with it")
            return "invite", None
        if live.status == "pending":
            return "not_manageable", self.pending(wanted, live)
        untouchable = self.untouchable_reason(live)
        if untouchable and wanted.role != live.role:
            self.refuse_untouchable(
                wanted.at,
                f"{wanted.email} is {untouchable}, and the API cannot change their role",
            )
            return "not_manageable", untouchable
        if wanted.role == live.role:
            if wanted.role in ASSIGNABLE_ROLES:
                return "unchanged", untouchable
            return "not_manageable", _why(live.role)
        if wanted.role not in ASSIGNABLE_ROLES:
            self.refuse_role(wanted, f"change {wanted.email} from {live.role} to it")
        return "role_change", None

    def pending(self, wanted: ManifestMember, live: Member) -> str:
        note = "invited, awaiting acceptance"
        if wanted.role != live.role:
            if wanted.role not in ASSIGNABLE_ROLES:
                self.refuse_role(wanted, f"change {wanted.email} from {live.role} to it")
            note += f"; the change to {wanted.role} waits until they accept"
        return note

    def unlisted(self, live: Member) -> MemberItem:
        action, note = self.decide_unlisted(live)
        return MemberItem(
            action=action,
            email=live.email.lower(),
            member_id=live.id,
            name=live.name,
            role=live.role,
            status=live.status,
            note=note,
        )

    def decide_unlisted(self, live: Member) -> tuple[MemberAction, str | None]:
        email = live.email.lower()
        if email in self.entry.protect:
            return "not_manageable", "protected"
        if not self.settings.prune:
            return "unlisted", "not in the manifest; left alone"
        untouchable = self.untouchable_reason(live)
        if untouchable:
            where = self.entry.prune_at or self.entry.at
            self.refuse_untouchable(
                where, f"prune would remove {email}, {untouchable}, which the API refuses"
            )
            return "not_manageable", untouchable
        return "remove", "cancels the pending invitation" if live.status == "pending" else None

    def untouchable_reason(self, live: Member) -> str | None:
        if live.role == "owner":
            return "the workspace owner"
        if self.actor is not None and live.email.lower() == self.actor:
            return "the acting account"
        return None

    # -- refusals ---------------------------------------------------------------------

    def refuse_role(self, wanted: ManifestMember, would: str) -> None:
        self.refusals.append(
            _Refusal(
                wanted.role_at,
                (
                    f"{self.label}: role {wanted.role!r} cannot be assigned through the API, "
                    f"and the manifest would need to {would}; {wanted.role} may only "
                    f"acknowledge a member who already has it",
                ),
                None,
            )
        )

    def refuse_untouchable(self, at: Location, what: str) -> None:
        if self.settings.skip_untouchable:
            return
        self.refusals.append(
            _Refusal(
                at,
                (
                    f"{self.label}: {what}; write their current role in the manifest, or pass ",
                    Setting(Override.SKIP_UNTOUCHABLE),
                    " to leave them as they are",
                ),
                Override.SKIP_UNTOUCHABLE,
            )
        )

    def check_invites(self, items: list[MemberItem], allowed: int | None) -> None:
        invites = sum(1 for item in items if item.action == "invite")
        limit = DEFAULT_MAX_INVITES if allowed is None else allowed
        if invites <= limit:
            return
        self.refusals.append(
            _Refusal(
                self.entry.at,
                (
                    f"{self.label}: the plan invites {invites} people, more than the {limit} "
                    "one run may invite; pass ",
                    Setting(Override.MAX_INVITES, str(invites)),
                    " to send them all, or list fewer new members in the manifest",
                ),
                Override.MAX_INVITES,
            )
        )

    def check_removal_ratio(self, items: list[MemberItem]) -> None:
        removals = sum(1 for item in items if item.action == "remove")
        total = len(self.live)
        if not removals or removals <= self.settings.max_removal_ratio * total:
            return
        needed = math.ceil(removals / total * 100) / 100
        self.refusals.append(
            _Refusal(
                self.entry.ratio_at or self.entry.prune_at or self.entry.at,
                (
                    f"{self.label}: the plan removes {removals} of {total} members "
                    f"({removals / total:.0%}), more than max_removal_ratio "
                    f"{self.settings.max_removal_ratio:g} allows; pass ",
                    Setting(Override.MAX_REMOVAL_RATIO, f"{needed:g}"),
                    " (or raise max_removal_ratio in the manifest) to allow it",
                ),
                Override.MAX_REMOVAL_RATIO,
            )
        )

    def check_admins_remain(self, items: list[MemberItem]) -> None:
        if self.settings.allow_no_admin:
            return
        after = _managing_after(items)
        before = [m for m in self.live.values() if _is_managing(m.status, m.role)]
        if before and not after:
            names = ", ".join(sorted(m.email.lower() for m in before))
            self.refusals.append(
                _Refusal(
                    self.entry.at,
                    (
                        f"{self.label}: after this plan no active owner or admin would remain "
                        f"(now: {names}); pass ",
                        Setting(Override.ALLOW_NO_ADMIN),
                        " to apply it anyway",
                    ),
                    Override.ALLOW_NO_ADMIN,
                )
            )

    def raise_refusals(self) -> None:
        if not self.refusals:
            return
        ordered = sorted(self.refusals, key=lambda r: (r.at.line, r.at.column))
        message = join("\n", [(f"{r.at}: ", *r.message) for r in ordered])
        if any(r.override is None for r in ordered):
            raise ManifestError(
                message,
                hint="The API assigns only normal and admin; set owner, editor and "
                "dataset_operator in the Dify console, then write the role they have.",
            )
        overrides = sorted({r.override for r in ordered if r.override})
        named = join(", ", [(Setting(o),) for o in overrides])
        raise UnsafePlanError(message, hint=("Change the manifest, or override with ", *named, "."))


def _why(role: str) -> str:
    if role == "owner":
        return "the workspace owner"
    return f"{role} is set in the Dify console only"


def _is_managing(status: str | None, role: str | None) -> bool:
    # Only an active account can manage: a pending invitee has not signed in yet.
    return status == "active" and role in MANAGING_ROLES


def _managing_after(items: list[MemberItem]) -> list[MemberItem]:
    """Active owners and admins once the plan is applied (invitees are still pending)."""
    return [
        item
        for item in items
        if item.action not in ("invite", "remove")
        and _is_managing(
            item.status, item.desired_role if item.action == "role_change" else item.role
        )
    ]


# Promotions first and demotions after, so a run stopped midway never has fewer admins
# than either end; removals before invites, to free seats under a plan's member limit.
_EXECUTION_RANK = {
    "remove": 2,
    "invite": 3,
    "not_manageable": 4,
    "unlisted": 5,
    "unchanged": 6,
}


def _execution_rank(item: MemberItem) -> int:
    if item.action == "role_change":
        return 0 if item.desired_role == "admin" else 1
    return _EXECUTION_RANK[item.action]


def _ordered(items: list[MemberItem]) -> list[MemberItem]:
    return sorted(items, key=lambda item: (_execution_rank(item), item.email))


def _notes(items: list[MemberItem], settings: PlanSettings, actor: Member | None) -> list[str]:
    notes = []
    unlisted = sum(1 for item in items if item.action == "unlisted")
    if unlisted and not settings.prune:
        notes.append(
            f"{unlisted} member(s) not in the manifest are left alone (prune is off); set "
            "`prune: true` in the manifest, or the prune override, to remove them"
        )
    if actor is not None and actor.role not in MANAGING_ROLES and any(i.is_change for i in items):
        notes.append(
            f"the acting account {actor.email.lower()} is {actor.role} here; only owners and "
            "admins may invite, change roles or remove, so Dify will refuse these changes"
        )
    return notes
