"""What applying a promotion did, app by app."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from reconcile.promotion.plan import Action


class Outcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    ROLLED_BACK = "rolled back"
    FAILED = "failed"
    PENDING = "pending"  # held by the server for a version decision, not imported
    BLOCKED = "blocked"


# What makes a run fail. `blocked` is not among them: it was in the reviewed plan already,
# and promoting the rest of the selection is exactly what the reviewer approved.
FAILURES = frozenset({Outcome.ROLLED_BACK, Outcome.FAILED, Outcome.PENDING})


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


class PromotionResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checksum: str
    apps: list[AppResult] = Field(default_factory=list)
    # True when the plan had nothing to do (e.g. it was already applied).
    nothing_to_do: bool = False

    @property
    def ok(self) -> bool:
        return not any(a.outcome in FAILURES for a in self.apps)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for a in self.apps if a.outcome == outcome)

    def summary(self) -> str:
        parts = [f"{self.count(o)} {o.value}" for o in Outcome if self.count(o)]
        return ", ".join(parts) or "nothing to do"
