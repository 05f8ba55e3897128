"""A members plan as a value: one item per person, the options it was made with, and a
checksum over everything apply depends on. Pure; made by `reconcile.members.plan_members`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reconcile.checksum import plan_checksum

MemberAction = Literal["invite", "role_change", "remove", "unchanged", "not_manageable", "unlisted"]
CHANGE_ACTIONS = ("invite", "role_change", "remove")


class PlanOverrides(BaseModel):
    """Command-line overrides of a manifest's options and of the guards."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prune: bool | None = None
    max_removal_ratio: float | None = Field(default=None, ge=0, le=1)
    allow_no_admin: bool = False
    skip_untouchable: bool = False
    # Most invitations one run may send per workspace (None: DEFAULT_MAX_INVITES). Not a
    # plan setting: it only decides whether a plan is made, never what it does.
    max_invites: int | None = Field(default=None, ge=0)


# A run that invites more is usually a wrong manifest (an export of another directory, a
# generated list); Dify mails every invitee, so the guard asks for a decision.
DEFAULT_MAX_INVITES = 500


class PlanSettings(BaseModel):
    """The options a plan was made with, after overrides (part of its checksum)."""

    model_config = ConfigDict(frozen=True)

    prune: bool
    max_removal_ratio: float
    allow_no_admin: bool = False
    skip_untouchable: bool = False


class MemberItem(BaseModel):
    """One person in a plan; `role` is live, `desired_role` the manifest's."""

    action: MemberAction
    email: str
    member_id: str | None = None
    name: str | None = None
    role: str | None = None
    desired_role: str | None = None
    status: str | None = None
    note: str | None = None
    line: int | None = None

    @property
    def is_change(self) -> bool:
        return self.action in CHANGE_ACTIONS


class MembersPlan(BaseModel):
    """The reviewed unit: what apply will do to one workspace, and why."""

    workspace_id: str
    workspace_name: str
    base_url: str = ""
    profile: str | None = None
    manifest: str = ""
    actor_email: str | None = None
    actor_role: str | None = None
    settings: PlanSettings
    items: list[MemberItem] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    checksum: str = ""

    @property
    def changes(self) -> list[MemberItem]:
        """The changes in the order apply makes them."""
        return [item for item in self.items if item.is_change]

    @property
    def has_changes(self) -> bool:
        return any(item.is_change for item in self.items)

    def count(self, action: MemberAction) -> int:
        return sum(1 for item in self.items if item.action == action)

    def summary(self) -> str:
        return (
            f"{self.count('invite')} to invite, {self.count('role_change')} role change(s), "
            f"{self.count('remove')} to remove; {self.count('unchanged')} unchanged, "
            f"{self.count('not_manageable')} not manageable, {self.count('unlisted')} unlisted"
        )

    def checksum_payload(self) -> dict[str, Any]:
        """Everything apply depends on — not names, notes or manifest line numbers, so
        editing a comment in the manifest does not make a reviewed plan stale."""
        return {
            "workspace_id": self.workspace_id,
            "base_url": self.base_url,
            "actor_email": self.actor_email,
            "settings": self.settings.model_dump(),
            "items": _digest(
                [i.action, i.email, i.member_id, i.role, i.desired_role, i.status]
                for i in self.items
            ),
        }

    def computed_checksum(self) -> str:
        return plan_checksum(self.checksum_payload())


def _digest(rows: Iterable[list[str | None]]) -> str:
    # Thousands of items: one digest of their compact JSON is much cheaper to feed to
    # `plan_checksum` than the nested lists, and just as sensitive to any change.
    text = json.dumps(list(rows), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
