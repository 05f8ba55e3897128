"""At most 500 invites per workspace per run unless the max_invites override says more."""

from __future__ import annotations

import pytest

from reconcile.errors import Override, UnsafePlanError
from tests.reconcile.test_members_planner import EVERYONE, plan


def _new(count: int) -> list[tuple[str, str]]:
    return [(f"new{n:04d}@acme.example", "normal") for n in range(count)]


def test_500_invites_plan_and_501_are_refused_naming_the_override() -> None:
    assert plan([*EVERYONE, *_new(500)]).count("invite") == 500
    with pytest.raises(UnsafePlanError) as refused:
        plan([*EVERYONE, *_new(501)])
    assert "the plan invites 501 people, more than the 500 one run may invite" in str(refused.value)
    assert "max_invites=501" in str(refused.value)
    assert refused.value.overrides == (Override.MAX_INVITES,)


def test_the_override_lifts_the_cap_and_can_lower_it() -> None:
    assert plan([*EVERYONE, *_new(2000)], max_invites=2000).count("invite") == 2000
    with pytest.raises(UnsafePlanError):
        plan([*EVERYONE, *_new(3)], max_invites=2)
