"""The reviewed-plan rule with a history of earlier plans: a wrong checksum is not a stale plan."""

from __future__ import annotations

import pytest

from reconcile.errors import StalePlanError, UnknownPlanError
from reconcile.freshness import (
    REPLAN_HINT,
    EarlierPlan,
    Freshness,
    History,
    check_fresh,
    shows_checksum,
)
from reconcile.members.render import plan_markdown as members_markdown
from reconcile.promotion.render import plan_markdown as promotion_markdown
from tests.reconcile.test_members_planner import replaced
from tests.reconcile.test_members_run import plan_set
from tests.reconcile.test_promotion_render import REVIEW_PLAN

OLD = "sha256:" + "1" * 64
NEW = "sha256:" + "2" * 64
TYPO = "sha256:" + "3" * 64


def history(*known: str, made: str | None = "2026-12-04 02:30:00 UTC") -> History:
    looked_up: list[str] = []

    def find(checksum: str) -> EarlierPlan | None:
        looked_up.append(checksum)
        return EarlierPlan(made=made) if checksum in known else None

    return History(find=find, parameter="plan_checksum", where="the latest plan artifact")


def check(reviewed: str, *, has_changes: bool = True, known: History | None = None) -> Freshness:
    return check_fresh(
        reviewed,
        NEW,
        fresh_has_changes=has_changes,
        moved="the live members",
        differences=lambda: "they differ",
        history=known,
    )


def test_the_fresh_checksum_is_current_without_looking_anything_up() -> None:
    def find(checksum: str) -> EarlierPlan | None:
        raise AssertionError("looked up")

    assert check(NEW, known=History(find, "plan_checksum", "there")) is Freshness.CURRENT


def test_an_earlier_plans_checksum_is_stale_and_says_when_that_plan_was_made() -> None:
    with pytest.raises(StalePlanError) as caught:
        check(OLD, known=history(OLD))
    assert caught.value.message == (
        "the plan is stale: the live members changed since it was made at "
        "2026-12-04 02:30:00 UTC (they differ)"
    )
    assert caught.value.hint == REPLAN_HINT
    assert check(OLD, has_changes=False, known=history(OLD)) is Freshness.ALREADY_APPLIED


def test_a_checksum_of_no_plan_is_unknown_even_with_nothing_left_to_do() -> None:
    for has_changes in (True, False):
        with pytest.raises(UnknownPlanError) as caught:
            check(TYPO, has_changes=has_changes, known=history(OLD))
        assert caught.value.message == (
            "plan_checksum sha256:333333333333… does not match any plan made for these "
            "inputs; copy the checksum from the latest plan artifact"
        )
        assert not isinstance(caught.value, StalePlanError)


def test_without_a_history_a_different_checksum_is_stale_as_before() -> None:
    with pytest.raises(StalePlanError, match=r"changed since it was made \(they differ\)"):
        check(TYPO)


def test_both_plan_artifacts_show_their_checksum_where_it_can_be_found() -> None:
    members = plan_set(replaced("katherine@acme.example", "admin"))
    assert shows_checksum(members_markdown(members), members.checksum)
    assert not shows_checksum(members_markdown(members), OLD)
    assert shows_checksum(promotion_markdown(REVIEW_PLAN), REVIEW_PLAN.checksum)


def test_a_plan_file_made_from_another_manifest_says_so() -> None:
    from reconcile.members.run import ensure_fresh

    reviewed = plan_set(replaced("katherine@acme.example", "admin"))
    other = plan_set(
        [*replaced("katherine@acme.example", "admin"), ("hedy@acme.example", "normal")]
    ).model_copy(update={"manifest": "other.yml"})
    with pytest.raises(StalePlanError) as caught:
        ensure_fresh(reviewed, other)
    assert "(the plan was made from m.yml, not other.yml; workspace 'Acme Dev': then " in (
        caught.value.message
    )
