"""The promotion plan: a reviewable, checksummed value (rendered as a table, Markdown, JSON)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from reconcile.checksum import plan_checksum
from reconcile.smoke.cases import SmokeCases, SmokePolicy

PendingPolicy = Literal["never", "minor", "always"]
# On a server that can publish: never (drafts only, as on S2), if-tested (when Dify's
# release check passes, e.g. after the smoke cases' draft test runs), always.
PublishPolicy = Literal["never", "if-tested", "always"]
DependencyPolicy = Literal["warn", "fail"]


class Action(StrEnum):
    CREATE = "create"  # absent in the target: imported as a new app
    UPDATE = "update"  # present, overwritable, different: imported over it
    UNCHANGED = "unchanged"  # semantically equal: nothing is imported
    BLOCKED = "blocked"  # present, but the API cannot overwrite it
    RECREATE = "recreate"  # blocked, and --recreate asked for a new app beside it


CHANGING = frozenset({Action.CREATE, Action.UPDATE, Action.RECREATE})


class Endpoint(BaseModel):
    """One side of a promotion: a workspace on a host, or a backup repository at a ref."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["workspace", "git"]
    host: str | None = None
    workspace_id: str | None = None
    workspace_name: str | None = None
    repo: str | None = None
    ref: str | None = None
    commit: str | None = None
    path: str | None = None

    def label(self) -> str:
        if self.kind == "git":
            return f"git {self.ref} ({(self.commit or '')[:12]}) {self.path or ''}".strip()
        return f"{self.workspace_name or self.workspace_id} on {self.host}"


class PlannedApp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    mode: str
    action: Action
    source_id: str | None = None
    target_name: str
    target_id: str | None = None
    target_mode: str | None = None
    reason: str | None = None
    summary: str = ""
    breaking: list[str] = Field(default_factory=list)
    attention: list[str] = Field(default_factory=list)
    follow_ups: list[str] = Field(default_factory=list)
    diff: dict[str, Any] | None = None
    diff_text: str | None = None
    diff_markdown: str | None = None
    # Draft vs published in the target, and what will go live (reconcile.promotion.live).
    live: str | None = None
    # Hashes of the comparable views: what the checksum ties the plan to.
    source_hash: str
    target_hash: str | None = None


class PromotionOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm_pending: PendingPolicy = "never"
    dependencies: DependencyPolicy = "warn"
    recreate: bool = False
    # Cases run on each app after its import and verification (reconcile.smoke), by app
    # name; in the plan, so the reviewed checksum covers what the apply will check.
    smoke: SmokeCases = Field(default_factory=dict)
    on_smoke_failure: SmokePolicy = "rollback"
    publish: PublishPolicy = "if-tested"


# The plan format this difyops writes and reads (a plan file's `version`).
PLAN_VERSION = 1


class PromotionPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    kind: Literal["promotion"] = "promotion"
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    source: Endpoint
    target: Endpoint
    options: PromotionOptions
    apps: list[PlannedApp]
    # The target can test-run drafts (Dify S3): smoke cases then exercise the import.
    target_tests_drafts: bool = False
    checksum: str = ""

    def sealed(self) -> PromotionPlan:
        """The plan with its checksum filled in."""
        return self.model_copy(update={"checksum": self.computed_checksum()})

    def computed_checksum(self) -> str:
        """The checksum of the plan's content as it is now (the stored one left out)."""
        return plan_checksum(self.model_dump(mode="json"))

    def is_intact(self) -> bool:
        """The stored checksum matches the content it covers (no hand edits since sealed)."""
        return bool(self.checksum) and self.checksum == self.computed_checksum()

    @property
    def has_changes(self) -> bool:
        return any(app.action in CHANGING for app in self.apps)

    def count(self, action: Action) -> int:
        return sum(1 for app in self.apps if app.action == action)

    def summary(self) -> str:
        parts = [f"{self.count(a)} {a.value}" for a in Action if self.count(a)]
        return ", ".join(parts) or "no apps selected"
