"""What `promote apply` and `members apply` say while they change Dify, and after Ctrl-C.

A line per change as it is done goes to stderr, terminal or not, so a long apply is never
silent (under `tee`, in CI logs). Interrupted, the command lists the changes made, the
one(s) under way when it stopped, and the ones not made, then exits 130: a rerun plans
afresh and continues where this one stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any

from difyops._output import Output
from difyops.exceptions import DifyopsError, ExitCode
from reconcile.members.plan import MemberItem
from reconcile.members.run import ChangeOutcome, MembersPlanSet
from reconcile.promotion.plan import CHANGING, PlannedApp, PromotionPlan
from reconcile.promotion.result import AppResult, Outcome


class ApplyInterrupted(DifyopsError):
    """Ctrl-C during an apply: what was made and what was not is in `extra` (for --json)."""

    exit_code = ExitCode.CANCELLED
    code = "cancelled"

    def __init__(self, message: str, *, hint: str, extra: dict[str, Any]) -> None:
        super().__init__(message, hint=hint)
        self.extra = extra


class _Tally:
    """Changes planned, started and finished, in the order they happen (thread-safe)."""

    def __init__(self, out: Output) -> None:
        self.out = out
        self.lock = threading.Lock()
        self.planned: list[str] = []
        self.running: list[str] = []
        self.done: list[str] = []

    def plan(self, changes: Iterable[str]) -> None:
        self.planned = list(changes)

    def start(self, change: str) -> None:
        with self.lock:
            self.running.append(change)

    def finish(self, change: str, outcome: str) -> None:
        with self.lock:
            if change in self.running:
                self.running.remove(change)
            self.done.append(f"{change}: {outcome}")
            count = len(self.done)
        # Re-issued invitations are not in the plan's changes: never print 4/3.
        total = max(len(self.planned), count)
        self.out.note(f"[{count}/{total}] {change}: {outcome}")

    def interrupted(self, *, rerun: str, under_way: str) -> ApplyInterrupted:
        """Say what was done and what was not, as the error to end the command with."""
        with self.lock:
            done, running = list(self.done), list(self.running)
        finished = {line.rsplit(": ", 1)[0] for line in done}
        not_started = [c for c in self.planned if c not in finished and c not in running]
        if not self.out.json_mode:
            self.out.note("")  # off the line a terminal's ^C was echoed on
            self._section("made", done)
            self._section(f"under way when interrupted ({under_way})", running)
            self._section("not made", not_started)
        return ApplyInterrupted(
            f"interrupted: {len(done)} of {len(self.planned)} change(s) made, "
            f"{len(running)} under way, {len(not_started)} not made",
            hint=f"Run {rerun} again to continue: it plans afresh, and what was made shows "
            "as unchanged.",
            extra={"made": done, "under_way": running, "not_made": not_started},
        )

    def _section(self, title: str, lines: Sequence[str]) -> None:
        if not lines:
            return
        self.out.note(f"{title}:")
        for line in lines:
            self.out.note(f"  {line}")


def _app_change(app: PlannedApp) -> str:
    return f"{app.action.value} {app.target_name}"


class PromotionProgress:
    """reconcile.promotion.ports.ApplyProgress for the CLI."""

    def __init__(self, out: Output) -> None:
        self.tally = _Tally(out)
        # Set once the plan is approved: an interrupt before that changed nothing.
        self.applying = False

    def expect(self, plan: PromotionPlan) -> None:
        self.tally.plan(_app_change(app) for app in plan.apps if app.action in CHANGING)

    def started(self, app: PlannedApp) -> None:
        self.tally.start(_app_change(app))

    def finished(self, result: AppResult) -> None:
        change = f"{result.action.value} {result.target_name}"
        # The closing table has every app's message; a line here says what became of it,
        # with the reason only where something went wrong.
        ok = result.outcome in (Outcome.APPLIED, Outcome.UNCHANGED)
        outcome = result.outcome.value + ("" if ok or not result.message else f": {result.message}")
        self.tally.finish(change, outcome)

    def stopping(self) -> None:
        with self.tally.lock:
            running = len(self.tally.running)
        if running:
            self.tally.out.note(
                f"cancelling: {running} app(s) under way finish first, so none is left "
                "half-imported; no other app starts"
            )

    def interrupted(self) -> ApplyInterrupted:
        return self.tally.interrupted(
            rerun="the same `difyops promote apply`",
            under_way="each may or may not be imported: the next plan shows it",
        )


def _member_change(workspace_name: str, action: str, email: str, role: str | None) -> str:
    what = {"invite": "invite", "role_change": "set role of", "remove": "remove"}.get(
        action, action
    )
    as_role = f" as {role}" if role and action != "remove" else ""
    return f"{workspace_name}: {what} {email}{as_role}"


class MembersProgress:
    """reconcile.members.ports.ChangeProgress for the CLI."""

    def __init__(self, out: Output) -> None:
        self.tally = _Tally(out)
        # Set once the plan is approved: an interrupt before that changed nothing.
        self.applying = False

    def expect(self, plan_set: MembersPlanSet) -> None:
        self.tally.plan(
            _member_change(plan.workspace_name, c.action, c.email, c.desired_role)
            for plan in plan_set.plans
            for c in plan.changes
        )

    def started(self, workspace_name: str, change: MemberItem) -> None:
        self.tally.start(
            _member_change(workspace_name, change.action, change.email, change.desired_role)
        )

    def finished(self, workspace_name: str, outcome: ChangeOutcome) -> None:
        change = _member_change(workspace_name, outcome.action, outcome.email, outcome.desired_role)
        said = outcome.status + (f" ({outcome.message})" if outcome.message else "")
        self.tally.finish(change, said)

    def interrupted(self) -> ApplyInterrupted:
        return self.tally.interrupted(
            rerun="the same `difyops members apply`",
            under_way="its call may or may not have reached Dify: the next plan shows it",
        )
