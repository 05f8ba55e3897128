"""What the target's own DSL check (Dify S3 `imports:check`) makes of a changing app.

The S3 import refuses a graph with error-severity issues, so an app with errors would fail
half-way through the apply; the plan blocks it instead, naming each problem by node and
field. Warnings (credentials or models the target lacks) do not stop an import but do stop
publishing: the plan lists them for attention. Pure: the task layer calls the server.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconcile.promotion.plan import Action, PlannedApp

# Enough for a reviewer to act on; the rest is summarised by count.
SHOWN_ISSUES = 5


def checked(app: PlannedApp, errors: Sequence[str], warnings: Sequence[str]) -> PlannedApp:
    """The planned app with the target check's findings (located issue lines) applied."""
    attention = [*app.attention, *(f"the target warns: {w}" for w in warnings)]
    if not errors:
        return app.model_copy(update={"attention": attention})
    shown = "; ".join(errors[:SHOWN_ISSUES])
    more = f" (and {len(errors) - SHOWN_ISSUES} more)" if len(errors) > SHOWN_ISSUES else ""
    reason = (
        f"the target's DSL check refuses it, so its import would fail: {shown}{more}; "
        "fix the source DSL and plan again"
    )
    return app.model_copy(
        update={"action": Action.BLOCKED, "reason": reason, "attention": attention}
    )
