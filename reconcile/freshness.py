"""One rule for applying a reviewed plan, whatever its kind (members or promotion).

Apply plans again from the same inputs and compares the fresh plan's checksum with the
reviewed one (octodns' `--checksum`, Terraform's saved plans):

- the same checksum: the reviewed plan is exactly what would happen now, so apply it;
- another checksum, but the fresh plan changes nothing: the reviewed plan's changes are in
  place already (an earlier run, a Prefect retry, or a person got there first), so there is
  nothing to do — replaying an applied plan is not an error;
- otherwise the live state or the inputs moved since the review: refuse, and say what
  differs, before anything is changed.

Where earlier plans can be looked up (a Prefect run finds them in the plan artifacts of
earlier runs; see `History`), a checksum that is neither the fresh plan's nor an earlier
plan's is refused as unknown (`UnknownPlanError`: a typo, or another job's checksum)
rather than reported as a change of the live state that may never have happened.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from reconcile.errors import StalePlanError, UnknownPlanError

REPLAN_HINT = "Plan again, review the new plan, and apply that one."


class Freshness(StrEnum):
    CURRENT = "current"
    ALREADY_APPLIED = "already-applied"


@dataclass(frozen=True)
class EarlierPlan:
    """What is known of an earlier plan found by its checksum: when it was made, if known."""

    made: str | None = None


@dataclass(frozen=True)
class History:
    """Where a front end finds earlier plans by checksum, and how it words a miss.

    `find` returns the earlier plan with that checksum, or None when no plan made for these
    inputs has it; `parameter` names how the reviewed checksum was given; `where` says
    where the current plan's checksum can be copied from (completing "copy the checksum
    from …").
    """

    find: Callable[[str], EarlierPlan | None]
    parameter: str
    where: str


def check_fresh(
    reviewed_checksum: str,
    fresh_checksum: str,
    *,
    fresh_has_changes: bool,
    moved: str,
    differences: Callable[[], str],
    history: History | None = None,
) -> Freshness:
    """CURRENT or ALREADY_APPLIED, or `StalePlanError` naming what `moved` and how.

    `differences` is called only for a stale plan, to describe how the two plans differ.
    With `history`, a checksum that differs from the fresh one is looked up first: one no
    earlier plan has is `UnknownPlanError` (whether or not anything is left to do), one
    found is stale (or already applied) as without it, saying when that plan was made.
    """
    if fresh_checksum == reviewed_checksum:
        return Freshness.CURRENT
    made = ""
    if history is not None:
        earlier = history.find(reviewed_checksum)
        if earlier is None:
            raise UnknownPlanError(
                f"{history.parameter} {short_checksum(reviewed_checksum)} does not match any "
                f"plan made for these inputs; copy the checksum from {history.where}",
                hint="Review that plan, then run again with its checksum.",
            )
        made = f" at {earlier.made}" if earlier.made else ""
    if not fresh_has_changes:
        return Freshness.ALREADY_APPLIED
    raise StalePlanError(
        f"the plan is stale: {moved} changed since it was made{made} ({differences()})",
        hint=REPLAN_HINT,
    )


def shows_checksum(markdown: str, checksum: str) -> bool:
    """Whether a plan's Markdown (`reconcile.members.render`, `reconcile.promotion.render`)
    is that of the plan with this checksum: both show it as "checksum `sha256:…`"."""
    return f"checksum `{checksum}`" in markdown.lower()


def short_checksum(checksum: str) -> str:
    """Enough of a checksum to tell two apart in a message."""
    return f"{checksum[:19]}…"
