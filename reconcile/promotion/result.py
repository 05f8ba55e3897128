"""What applying a promotion did, app by app."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from reconcile.promotion.plan import Action
from reconcile.smoke.result import SmokeReport


class Outcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    ROLLED_BACK = "rolled back"
    # The rollback itself failed or did not restore the snapshot: the target app is in
    # neither its old nor its new state, and a person must restore it from the backup.
    ROLLBACK_FAILED = "rollback failed"
    FAILED = "failed"
    PENDING = "pending"  # held by the server for a version decision, not imported
    BLOCKED = "blocked"


# What makes a run fail. `blocked` is not among them: it was in the reviewed plan already,
# and promoting the rest of the selection is exactly what the reviewer approved.
FAILURES = frozenset(
    {Outcome.ROLLED_BACK, Outcome.ROLLBACK_FAILED, Outcome.FAILED, Outcome.PENDING}
)


class AppResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    target_name: str
    action: Action
    outcome: Outcome
    app_id: str | None = None
    message: str = ""
    import_status: str | None = None
    leaked_plugins: list[str] = Field(default_factory=list)
    follow_ups: list[str] = Field(default_factory=list)
    attention: list[str] = Field(default_factory=list)
    # The smoke cases run on the target after import (None: the app had none).
    smoke: SmokeReport | None = None
    # The version this promotion published (None: only the draft was replaced).
    published_version: str | None = None

    @property
    def smoke_failed(self) -> bool:
        return self.smoke is not None and not self.smoke.passed


class PromotionResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checksum: str
    apps: list[AppResult] = Field(default_factory=list)
    # True when the plan had nothing to do (e.g. it was already applied).
    nothing_to_do: bool = False

    @property
    def ok(self) -> bool:
        # A failed smoke case fails the run under either policy: `report` keeps the
        # import, it does not make the failure go away.
        return not any(a.outcome in FAILURES or a.smoke_failed for a in self.apps)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for a in self.apps if a.outcome == outcome)

    def summary(self) -> str:
        parts = [f"{self.count(o)} {o.value}" for o in Outcome if self.count(o)]
        smoke_failed = sum(1 for a in self.apps if a.smoke_failed)
        if smoke_failed:
            parts.append(f"{smoke_failed} with failed smoke cases")
        return ", ".join(parts) or "nothing to do"
