"""Plan sets, freshness, outcomes, rendering and export: the pure parts around the planner."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from dify_client.models import Member, WorkspaceRef
from reconcile.errors import StalePlanError
from reconcile.freshness import REPLAN_HINT, Freshness
from reconcile.members.export import manifest_from_members
from reconcile.members.loader import load_manifest
from reconcile.members.planner import plan_members
from reconcile.members.render import MARKDOWN_ROW_LIMIT, apply_markdown, plan_markdown, plan_rows
from reconcile.members.run import (
    ChangeOutcome,
    MembersApplyResult,
    MembersPlanSet,
    WorkspaceApplyResult,
    already_done,
    ensure_fresh,
)
from tests.reconcile.test_members_planner import EVERYONE, LIVE, member, plan, replaced

WORKSPACE = WorkspaceRef(id="w1", name="Acme Dev", role="owner")


def plan_set(*plans_args: list[tuple[str, str]]) -> MembersPlanSet:
    return MembersPlanSet(manifest="m.yml", plans=[plan(p) for p in plans_args]).sealed()


def test_a_fresh_plan_passes_and_a_changed_one_is_stale() -> None:
    reviewed = plan_set(replaced("katherine@acme.example", "admin"))
    again = plan_set(replaced("katherine@acme.example", "admin"))
    assert ensure_fresh(reviewed, again) is Freshness.CURRENT
    moved = plan_set(
        [*replaced("katherine@acme.example", "admin"), ("hedy@acme.example", "normal")]
    )
    with pytest.raises(StalePlanError) as caught:
        ensure_fresh(reviewed, moved)
    assert caught.value.message == (
        "the plan is stale: the live members or the manifest changed since it was made "
        "(workspace 'Acme Dev': then 0 to invite, 1 role change(s), 0 to remove; 1 unchanged, "
        "4 not manageable, 0 unlisted; now 1 to invite, 1 role change(s), 0 to remove; "
        "1 unchanged, 4 not manageable, 0 unlisted)"
    )
    assert caught.value.hint == REPLAN_HINT


def test_a_reviewed_plan_whose_changes_are_in_place_is_already_applied() -> None:
    reviewed = plan_set(replaced("katherine@acme.example", "admin"))
    promoted = [
        member(m.email, "admin") if m.email == "katherine@acme.example" else m for m in LIVE
    ]
    fresh = MembersPlanSet(
        manifest="m.yml", plans=[plan(replaced("katherine@acme.example", "admin"), promoted)]
    ).sealed()
    assert not fresh.has_changes and fresh.checksum != reviewed.checksum
    assert ensure_fresh(reviewed, fresh) is Freshness.ALREADY_APPLIED


def test_a_hand_edited_plan_file_is_refused() -> None:
    reviewed = plan_set(replaced("katherine@acme.example", "admin"))
    data = reviewed.model_dump(mode="json")
    data["plans"][0]["items"][0]["desired_role"] = "owner"
    edited = MembersPlanSet.model_validate(data)
    # Even when planning again has nothing to do: the file is not what was reviewed.
    for fresh in (reviewed, plan_set(EVERYONE)):
        with pytest.raises(StalePlanError, match="edited after it was written") as caught:
            ensure_fresh(edited, fresh)
        assert caught.value.hint == REPLAN_HINT


def test_the_plan_set_round_trips_through_json_with_its_checksum() -> None:
    reviewed = plan_set(replaced("grace@acme.example", "normal"))
    again = MembersPlanSet.model_validate_json(reviewed.model_dump_json())
    assert again.checksum == reviewed.checksum == again.computed_checksum()
    assert again.has_changes and again.plans[0].changes[0].email == "grace@acme.example"


@pytest.mark.parametrize(
    ("action", "status", "message", "expected"),
    [
        ("role_change", 400, "The provided role is already assigned to the member.", True),
        ("remove", 404, "Member not in tenant.", True),
        ("remove", 404, "member not found", True),
        ("invite", 400, "Account already in tenant.", False),
        ("invite", 403, "Subscription member limit reached.", False),
        ("role_change", 400, "Cannot operate self.", False),
    ],
)
def test_answers_that_mean_already_done(
    action: str, status: int, message: str, expected: bool
) -> None:
    assert already_done(action, status, message) is expected  # type: ignore[arg-type]


def test_invite_links_are_excluded_from_dumps_reprs_and_markdown() -> None:
    secret = "http://dify.test/activate?email=h&token=4f0c-secret-token"
    item = plan([*EVERYONE, ("hedy@acme.example", "normal")]).changes[0]
    result = MembersApplyResult(
        results=[
            WorkspaceApplyResult(
                workspace_id="w1",
                workspace_name="Acme Dev",
                outcomes=[ChangeOutcome.of(item, "done")],
                invite_urls={"hedy@acme.example": SecretStr(secret)},
            )
        ]
    )
    rendered = [result.model_dump_json(), repr(result), str(result), apply_markdown(result)]
    assert not any("secret-token" in text for text in rendered)
    assert result.invite_urls["hedy@acme.example"].get_secret_value() == secret


def test_markdown_shows_changes_and_left_alone_items_but_not_unchanged() -> None:
    reviewed = plan_set(replaced("katherine@acme.example", "admin"))
    markdown = plan_markdown(reviewed)
    assert "| role change | katherine@acme.example | normal → admin | active |  |" in markdown
    assert "| not manageable | alan@acme.example | editor | active |" in markdown
    assert "grace@acme.example" not in markdown  # unchanged
    assert reviewed.checksum in markdown
    assert plan_rows(reviewed.plans[0])[0] == [
        "role change",
        "katherine@acme.example",
        "normal → admin",
        "active",
        "",
    ]


def test_long_markdown_tables_are_cut_with_a_count() -> None:
    many = [f"person{n:04d}@acme.example" for n in range(MARKDOWN_ROW_LIMIT + 5)]
    reviewed = plan_set([*EVERYONE, *[(email, "normal") for email in many]])
    # 205 invites plus 4 not-manageable members (owner, editor, operator, invitee) shown
    assert "… and 9 more." in plan_markdown(reviewed)


def test_failures_render_with_dify_code_message_and_hint() -> None:
    item = plan([*EVERYONE, ("hedy@acme.example", "normal")]).changes[0]
    outcome = ChangeOutcome.of(
        item,
        "failed",
        http_status=403,
        code="member_limit_exceeded",
        message="Subscription member limit reached.",
        hint="Upgrade your plan.",
    )
    result = MembersApplyResult(
        results=[WorkspaceApplyResult(workspace_id="w1", workspace_name="A", outcomes=[outcome])]
    )
    assert not result.ok and result.summary() == "0 done, 0 already done, 1 failed"
    assert (
        "| failed | invite | hedy@acme.example | → normal | member_limit_exceeded: "
        "Subscription member limit reached. — Upgrade your plan. |"
    ) in apply_markdown(result)


def test_an_exported_manifest_plans_no_changes() -> None:
    live = [
        *LIVE,
        Member(id="x", name="X", email="Mixed@Case.example", role="admin", status="banned"),
    ]
    text = manifest_from_members(WORKSPACE, live, base_url="https://dify.test")
    assert "role: normal  # pending invitation" in text
    assert "id: w1  # Acme Dev" in text
    entry = load_manifest(text, source="export.yml").workspaces[0]
    assert (entry.id, entry.host, entry.prune) == ("w1", "https://dify.test", False)
    result = plan_members(entry, live, actor_email="ada@acme.example", workspace=WORKSPACE)
    assert not result.has_changes
    assert {i.action for i in result.items} == {"unchanged", "not_manageable"}


def _moved(reviewed: MembersPlanSet, **changes: str) -> MembersPlanSet:
    plans = [p.model_copy(update=changes) for p in reviewed.plans]
    sealed = [p.model_copy(update={"checksum": p.computed_checksum()}) for p in plans]
    return MembersPlanSet(manifest="m.yml", plans=sealed).sealed()


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        (
            {"base_url": "https://dify-staging.test"},
            "workspace 'Acme Dev': the plan was made on https://dify.test, this run is on "
            "https://dify-staging.test",
        ),
        (
            {"actor_email": "grace@acme.example"},
            "workspace 'Acme Dev': the plan was made by ada@acme.example, this run acts as "
            "grace@acme.example",
        ),
    ],
    ids=["another-server", "another-account"],
)
def test_a_plan_from_another_server_or_account_says_so(changes, says) -> None:
    # The same changes planned elsewhere (a twin workspace, another admin) are still not
    # the reviewed plan; the refusal names what differs instead of two equal summaries.
    reviewed = plan_set(replaced("katherine@acme.example", "admin"))
    with pytest.raises(StalePlanError) as caught:
        ensure_fresh(reviewed, _moved(reviewed, **changes))
    assert says in caught.value.message
