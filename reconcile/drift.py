"""Drift: how a workspace's live apps differ from their desired state.

The desired state is a git ref of the backup repository or another workspace. Comparing it
with the live workspace is a promotion plan from the desired side onto the live one: every
app the plan would create, update or refuse to overwrite has drifted. The plan ignores
apps that exist only in the live workspace, so this module adds them from the listing.

Pure: the caller makes the plan, lists the live apps and says since when each desired app
is as it is (a commit of the backup, or an app's last update).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from reconcile.markdown import table
from reconcile.promotion.plan import Action, Endpoint, PromotionPlan
from reconcile.promotion.planner import AppRef, Selection


class DriftState(StrEnum):
    CHANGED = "changed"  # differs from its desired version
    MISSING = "missing"  # desired, but absent from the live workspace
    EXTRA = "extra"  # live, but not in the desired state
    BLOCKED = "blocked"  # differs, and Dify's API could not overwrite it (mode)


_STATE = {
    Action.UPDATE: DriftState.CHANGED,
    Action.CREATE: DriftState.MISSING,
    Action.BLOCKED: DriftState.BLOCKED,
    Action.RECREATE: DriftState.BLOCKED,
}
NOT_DESIRED = "not in the desired state"
NOT_LIVE = "absent from the live workspace"


class Since(BaseModel):
    """Which version of the desired state an app is compared with: the backup commit that
    last touched the app's file, or (for a workspace) when the desired app was updated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    commit: str | None = None
    date: str | None = None
    subject: str | None = None

    def label(self) -> str:
        day = (self.date or "")[:10]
        if self.commit:
            return f"{self.commit[:12]} ({day})" if day else self.commit[:12]
        return self.date or ""


class DriftedApp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    mode: str
    state: DriftState
    what: str
    since: Since | None = None
    live_id: str | None = None
    reason: str | None = None
    diff_text: str | None = None
    diff_markdown: str | None = None


class DriftReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    kind: Literal["drift"] = "drift"
    checked_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    desired: Endpoint
    live: Endpoint
    in_sync: list[str] = Field(default_factory=list)
    drifted: list[DriftedApp] = Field(default_factory=list)

    @property
    def has_drift(self) -> bool:
        return bool(self.drifted)

    def count(self, state: DriftState) -> int:
        return sum(1 for app in self.drifted if app.state == state)

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s.value}" for s in DriftState if self.count(s)]
        in_sync = f"{len(self.in_sync)} in sync"
        if not parts:
            return f"no drift ({in_sync})"
        return ", ".join([*parts, in_sync] if self.in_sync else parts)

    def failure_message(self) -> str | None:
        """One line for a run that must fail because something drifted; None if nothing did."""
        if not self.has_drift:
            return None
        names = ", ".join(app.name for app in self.drifted[:5])
        more = f" and {len(self.drifted) - 5} more" if len(self.drifted) > 5 else ""
        where = self.live.label()
        return f"{where} drifted from its desired state: {self.summary()} ({names}{more})"


def drift_report(
    plan: PromotionPlan,
    live_apps: Iterable[AppRef],
    selection: Selection,
    since: Mapping[str, Since],
) -> DriftReport:
    """The drift `plan` (desired → live) shows, plus the selected live apps it does not
    cover. `since` is keyed by desired app name."""
    drifted: list[DriftedApp] = []
    in_sync: list[str] = []
    for app in plan.apps:
        state = _STATE.get(app.action)
        if state is None:
            in_sync.append(app.target_name)
            continue
        drifted.append(
            DriftedApp(
                name=app.target_name,
                mode=app.target_mode or app.mode,
                state=state,
                what=NOT_LIVE if state is DriftState.MISSING else app.summary,
                since=since.get(app.name),
                live_id=app.target_id,
                # The plan's reason goes on to say what a promotion option would do.
                reason=app.reason.partition("; ")[0] if app.reason else None,
                diff_text=app.diff_text,
                diff_markdown=app.diff_markdown,
            )
        )
    covered = {app.target_name for app in plan.apps}
    drifted += [
        DriftedApp(name=a.name, mode=a.mode, state=DriftState.EXTRA, what=NOT_DESIRED, live_id=a.id)
        for a in sorted(live_apps, key=lambda a: (a.name, a.id or ""))
        if a.name not in covered and selection.picks(a)
    ]
    drifted.sort(key=lambda a: (a.name, a.state.value))
    return DriftReport(desired=plan.source, live=plan.target, in_sync=in_sync, drifted=drifted)


def drift_rows(report: DriftReport) -> list[list[str]]:
    """app, state, what drifted, since: one row per drifted app."""
    return [
        [app.name, app.state.value, app.what, app.since.label() if app.since else "—"]
        for app in report.drifted
    ]


COLUMNS = ("app", "state", "what drifted", "since")


def drift_markdown(report: DriftReport) -> str:
    """The report as the run's artifact: a headline, the table, then each app's diff."""
    lines = [
        "# Dify drift check",
        "",
        f"Live **{report.live.label()}** against the desired state "
        f"**{report.desired.label()}**: {report.summary()}.",
        "",
        f"Checked at {report.checked_at}.",
    ]
    if not report.has_drift:
        return "\n".join(lines) + "\n"
    lines += ["", *table(COLUMNS, drift_rows(report))]
    for app in report.drifted:
        if not (app.diff_markdown or app.reason):
            continue
        lines += ["", f"## {app.name} ({app.state.value})"]
        if app.reason:
            lines += ["", app.reason[0].upper() + app.reason[1:] + "."]
        if app.diff_markdown:
            lines += [
                "",
                "From the live app to its desired version:",
                "",
                app.diff_markdown.strip(),
            ]
    return "\n".join(lines) + "\n"
