"""A members run as values: the plans of every workspace in a manifest, the check that a
reviewed plan is still fresh, and the outcome of applying one. Pure."""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, Field, SecretStr

from reconcile.checksum import plan_checksum
from reconcile.errors import StalePlanError
from reconcile.freshness import REPLAN_HINT, Freshness, History, check_fresh, short_checksum
from reconcile.members.planner import MemberAction, MemberItem, MembersPlan, PlanOverrides

PLAN_KIND: Final = "difyops.members-plan"
PLAN_FORMAT = 1


class MembersPlanSet(BaseModel):
    """Every workspace plan of one manifest: what `members plan --out` writes."""

    kind: Literal["difyops.members-plan"] = PLAN_KIND
    format: int = PLAN_FORMAT
    manifest: str
    overrides: PlanOverrides = Field(default_factory=PlanOverrides)
    # The manifest workspaces this run was restricted to (ids or names); empty means all.
    only: list[str] = Field(default_factory=list)
    plans: list[MembersPlan] = Field(default_factory=list)
    generated_at: str | None = None
    checksum: str = ""

    @property
    def has_changes(self) -> bool:
        return any(plan.has_changes for plan in self.plans)

    def computed_checksum(self) -> str:
        """Over the options and every plan's own checksum (see `is_intact`)."""
        return plan_checksum(
            {
                "overrides": self.overrides.model_dump(),
                "plans": [plan.checksum for plan in self.plans],
            }
        )

    def is_intact(self) -> bool:
        """Every checksum matches the content it covers (no hand edits since written)."""
        return self.checksum == self.computed_checksum() and all(
            plan.checksum == plan.computed_checksum() for plan in self.plans
        )

    def sealed(self) -> MembersPlanSet:
        """A copy carrying its checksum (its plans carry theirs from `plan_members`)."""
        return self.model_copy(update={"checksum": self.computed_checksum()})


def ensure_fresh(saved: MembersPlanSet, fresh: MembersPlanSet) -> Freshness:
    """Whether `saved`, the reviewed plan, may be applied now (`reconcile.freshness`):
    CURRENT, ALREADY_APPLIED (nothing to do), or `StalePlanError` saying which workspaces
    moved. A plan file edited by hand is refused whatever planning again gives."""
    if not saved.is_intact():
        raise StalePlanError(
            "the plan file was edited after it was written: its checksum does not match "
            "its content",
            hint=REPLAN_HINT,
        )
    return check_fresh(
        saved.checksum,
        fresh.checksum,
        fresh_has_changes=fresh.has_changes,
        moved="the live members or the manifest",
        differences=lambda: _differences(saved, fresh),
    )


def ensure_checksum(
    reviewed_checksum: str, fresh: MembersPlanSet, history: History | None = None
) -> Freshness:
    """`ensure_fresh` for a reviewed plan known by its checksum only (a flow parameter):
    a stale plan is described by the fresh plan, and with `history` a checksum of no
    earlier plan is refused as unknown (`reconcile.freshness.check_fresh`)."""
    return check_fresh(
        reviewed_checksum,
        fresh.checksum,
        fresh_has_changes=fresh.has_changes,
        moved="the live members or the manifest",
        differences=lambda: (
            f"checksum {short_checksum(reviewed_checksum)} is now "
            f"{short_checksum(fresh.checksum)}: "
            + "; ".join(f"{p.workspace_name!r} {p.summary()}" for p in fresh.plans)
        ),
        history=history,
    )


def _differences(saved: MembersPlanSet, fresh: MembersPlanSet) -> str:
    before = {plan.workspace_id: plan for plan in saved.plans}
    differences = []
    for plan in fresh.plans:
        old = before.pop(plan.workspace_id, None)
        if old is None:
            differences.append(f"workspace {plan.workspace_name!r} is new in the plan")
        elif old.base_url != plan.base_url:
            differences.append(
                f"workspace {plan.workspace_name!r}: the plan was made on {old.base_url}, "
                f"this run is on {plan.base_url}"
            )
        elif old.actor_email != plan.actor_email:
            differences.append(
                f"workspace {plan.workspace_name!r}: the plan was made by {old.actor_email}, "
                f"this run acts as {plan.actor_email}"
            )
        elif old.checksum != plan.checksum:
            differences.append(
                f"workspace {plan.workspace_name!r}: then {old.summary()}; now {plan.summary()}"
            )
    differences += [f"workspace {p.workspace_name!r} is no longer planned" for p in before.values()]
    if saved.manifest != fresh.manifest:
        # Honest about a plan made from another manifest: its inputs differ, not the state.
        differences.insert(0, f"the plan was made from {saved.manifest}, not {fresh.manifest}")
    return "; ".join(differences) or "the options differ"


OutcomeStatus = Literal["done", "already_done", "failed"]


class ChangeOutcome(BaseModel):
    """What became of one change; failures carry Dify's code, message and hint."""

    action: MemberAction
    email: str
    member_id: str | None = None
    role: str | None = None
    desired_role: str | None = None
    status: OutcomeStatus
    http_status: int | None = None
    code: str | None = None
    message: str | None = None
    hint: str | None = None

    @classmethod
    def of(cls, item: MemberItem, status: OutcomeStatus, **error: Any) -> ChangeOutcome:
        return cls(
            action=item.action,
            email=item.email,
            member_id=item.member_id,
            role=item.role,
            desired_role=item.desired_role,
            status=status,
            **error,
        )


class WorkspaceApplyResult(BaseModel):
    workspace_id: str
    workspace_name: str
    outcomes: list[ChangeOutcome] = Field(default_factory=list)
    # Invitation links carry a secret token: never dumped, never in repr; apply writes
    # them to a 0600 file only when asked (--invite-urls), each as its invite succeeds.
    invite_urls: dict[str, SecretStr] = Field(default_factory=dict, exclude=True, repr=False)

    @property
    def failed(self) -> list[ChangeOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


class MembersApplyResult(BaseModel):
    results: list[WorkspaceApplyResult] = Field(default_factory=list)
    # How many invitation links were written to the operator's file (the links never are).
    invite_links_saved: int = 0

    @property
    def ok(self) -> bool:
        return not any(result.failed for result in self.results)

    @property
    def invite_urls(self) -> dict[str, SecretStr]:
        return {email: url for r in self.results for email, url in r.invite_urls.items()}

    def count(self, status: OutcomeStatus) -> int:
        return sum(1 for r in self.results for o in r.outcomes if o.status == status)

    def summary(self) -> str:
        return (
            f"{self.count('done')} done, {self.count('already_done')} already done, "
            f"{self.count('failed')} failed"
        )


# Dify's answers (contract §3.3) when the state a change aims at already holds: another
# run or a person in the console got there first. Anything else is a failure.
_ALREADY_DONE = {
    "role_change": ((400, "the provided role is already assigned to the member."),),
    "remove": ((404, "member not in tenant."), (404, "member not found")),
}


def already_done(action: MemberAction, http_status: int, message: str) -> bool:
    answers = _ALREADY_DONE.get(action, ())
    return (http_status, message.strip().lower()) in answers
