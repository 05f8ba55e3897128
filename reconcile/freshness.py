"""One rule for applying a reviewed plan, whatever its kind (members or promotion).

Apply plans again from the same inputs and compares the fresh plan's checksum with the
reviewed one (octodns' `--checksum`, Terraform's saved plans):

- the same checksum: the reviewed plan is exactly what would happen now, so apply it;
- another checksum, but the fresh plan changes nothing: the reviewed plan's changes are in
  place already (an earlier run, a Prefect retry, or a person got there first), so there is
  nothing to do — replaying an applied plan is not an error;
- otherwise the live state or the inputs moved since the review: refuse, and say what
  differs, before anything is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from reconcile.errors import StalePlanError

REPLAN_HINT = "Plan again, review the new plan, and apply that one."


class Freshness(StrEnum):
    CURRENT = "current"
    ALREADY_APPLIED = "already-applied"


def check_fresh(
    reviewed_checksum: str,
    fresh_checksum: str,
    *,
    fresh_has_changes: bool,
    moved: str,
    differences: Callable[[], str],
) -> Freshness:
    """CURRENT or ALREADY_APPLIED, or `StalePlanError` naming what `moved` and how.

    `differences` is called only for a stale plan, to describe how the two plans differ.
    """
    if fresh_checksum == reviewed_checksum:
        return Freshness.CURRENT
    if not fresh_has_changes:
        return Freshness.ALREADY_APPLIED
    raise StalePlanError(
        f"the plan is stale: {moved} changed since it was made ({differences()})",
        hint=REPLAN_HINT,
    )


def short_checksum(checksum: str) -> str:
    """Enough of a checksum to tell two apart in a message."""
    return f"{checksum[:19]}…"
