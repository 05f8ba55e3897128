"""The members planner against fake live state: every action, role rule and guard."""

from __future__ import annotations

import pytest

from dify_client.models import Member, WorkspaceRef
from difyops._spelling import cli_setting
from reconcile.errors import ManifestError, Override, UnsafePlanError
from reconcile.members.loader import load_manifest
from reconcile.members.manifest import WorkspaceManifest
from reconcile.members.planner import MembersPlan, PlanOverrides, plan_members

WORKSPACE = WorkspaceRef(id="w1", name="Acme Dev", role="owner")
ACTOR = "ada@acme.example"


def member(email: str, role: str, status: str = "active") -> Member:
    local = email.split("@", maxsplit=1)[0]
    return Member(
        id=f"id-{local.lower()}", name=local.title(), email=email, role=role, status=status
    )


LIVE = [
    member("ada@acme.example", "owner"),
    member("grace@acme.example", "admin"),
    member("alan@acme.example", "editor"),
    member("katherine@acme.example", "normal"),
    member("edsger@acme.example", "dataset_operator"),
    member("newhire@acme.example", "normal", "pending"),
]
EVERYONE = [(m.email, m.role) for m in LIVE]


def manifest(members: list[tuple[str, str]], *, options: str = "") -> WorkspaceManifest:
    """A one-workspace manifest; its members start at line 5 plus the option lines, two lines
    each (`- email:` then `role:`)."""
    rows = "".join(f"      - email: {email}\n        role: {role}\n" for email, role in members)
    text = f"version: 1\nworkspaces:\n  - name: Acme Dev\n{options}    members:\n{rows}"
    if not members:
        text = text.replace("members:\n", "members: []\n")
    return load_manifest(text, source="m.yml").workspaces[0]


def plan(
    members: list[tuple[str, str]],
    live: list[Member] = LIVE,
    *,
    options: str = "",
    actor: str | None = ACTOR,
    **overrides: object,
) -> MembersPlan:
    return plan_members(
        manifest(members, options=options),
        live,
        actor_email=actor,
        workspace=WORKSPACE,
        base_url="https://dify.test",
        overrides=PlanOverrides(**overrides),  # type: ignore[arg-type]
    )


def actions(result: MembersPlan) -> dict[str, tuple[str, str | None, str | None]]:
    return {i.email: (i.action, i.role, i.desired_role) for i in result.items}


def replaced(email: str, role: str) -> list[tuple[str, str]]:
    return [(e, role if e == email else r) for e, r in EVERYONE]


@pytest.mark.parametrize(
    ("members", "email", "expected"),
    [
        pytest.param(
            [*EVERYONE, ("hedy@acme.example", "normal")],
            "hedy@acme.example",
            ("invite", None, "normal"),
            id="invite-normal",
        ),
        pytest.param(
            [*EVERYONE, ("hedy@acme.example", "admin")],
            "hedy@acme.example",
            ("invite", None, "admin"),
            id="invite-admin",
        ),
        pytest.param(
            replaced("katherine@acme.example", "admin"),
            "katherine@acme.example",
            ("role_change", "normal", "admin"),
            id="promote",
        ),
        pytest.param(
            replaced("grace@acme.example", "normal"),
            "grace@acme.example",
            ("role_change", "admin", "normal"),
            id="demote",
        ),
        pytest.param(
            replaced("alan@acme.example", "admin"),
            "alan@acme.example",
            ("role_change", "editor", "admin"),
            id="editor-to-admin-is-assignable",
        ),
        pytest.param(
            replaced("edsger@acme.example", "normal"),
            "edsger@acme.example",
            ("role_change", "dataset_operator", "normal"),
            id="dataset-operator-to-normal",
        ),
        pytest.param(EVERYONE, "grace@acme.example", ("unchanged", "admin", "admin"), id="same"),
        pytest.param(
            EVERYONE, "alan@acme.example", ("not_manageable", "editor", "editor"), id="editor"
        ),
        pytest.param(
            EVERYONE,
            "edsger@acme.example",
            ("not_manageable", "dataset_operator", "dataset_operator"),
            id="dataset-operator",
        ),
        pytest.param(EVERYONE, ACTOR, ("not_manageable", "owner", "owner"), id="owner"),
        pytest.param(
            EVERYONE,
            "newhire@acme.example",
            ("not_manageable", "normal", "normal"),
            id="pending-same-role",
        ),
        pytest.param(
            replaced("newhire@acme.example", "admin"),
            "newhire@acme.example",
            ("not_manageable", "normal", "admin"),
            id="pending-other-role-waits",
        ),
    ],
)
def test_role_rules(
    members: list[tuple[str, str]], email: str, expected: tuple[str, str | None, str | None]
) -> None:
    assert actions(plan(members))[email] == expected


def test_not_manageable_items_say_why_and_show_the_status() -> None:
    items = {i.email: i for i in plan(replaced("newhire@acme.example", "admin")).items}
    assert (items[ACTOR].note, items[ACTOR].status) == ("the workspace owner", "active")
    assert items["alan@acme.example"].note == "editor is set in the Dify console only"
    assert items["newhire@acme.example"].status == "pending"
    assert items["newhire@acme.example"].note == (
        "invited, awaiting acceptance; the change to admin waits until they accept"
    )


@pytest.mark.parametrize(
    ("members", "message"),
    [
        pytest.param(
            replaced("katherine@acme.example", "editor"),
            "m.yml:12:15: workspace 'Acme Dev': role 'editor' cannot be assigned through the "
            "API, and the manifest would need to change katherine@acme.example from normal to "
            "it; editor may only acknowledge a member who already has it",
            id="normal-to-editor",
        ),
        pytest.param(
            replaced("grace@acme.example", "owner"),
            "m.yml:8:15: workspace 'Acme Dev': role 'owner' cannot be assigned through the "
            "API, and the manifest would need to change grace@acme.example from admin to it; "
            "owner may only acknowledge a member who already has it",
            id="ownership-transfer",
        ),
        pytest.param(
            [*EVERYONE, ("hedy@acme.example", "dataset_operator")],
            "m.yml:18:15: workspace 'Acme Dev': role 'dataset_operator' cannot be assigned "
            "through the API, and the manifest would need to invite them with it; "
            "dataset_operator may only acknowledge a member who already has it",
            id="invite-with-console-role",
        ),
        pytest.param(
            replaced("newhire@acme.example", "editor"),
            "m.yml:16:15: workspace 'Acme Dev': role 'editor' cannot be assigned through the "
            "API, and the manifest would need to change newhire@acme.example from normal to "
            "it; editor may only acknowledge a member who already has it",
            id="pending-to-editor",
        ),
    ],
)
def test_roles_the_api_cannot_set_are_refused_at_the_line_asking(
    members: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(ManifestError) as caught:
        plan(members)
    assert caught.value.message == message
    assert "Dify console" in (caught.value.hint or "")


def test_emails_compare_case_insensitively_both_ways() -> None:
    live = [*LIVE[:2], member("Katherine@Acme.Example", "normal")]
    result = plan(
        [
            (ACTOR.upper(), "owner"),
            ("GRACE@acme.example", "admin"),
            ("katherine@acme.example", "admin"),
        ],
        live,
    )
    assert actions(result) == {
        ACTOR: ("not_manageable", "owner", "owner"),
        "grace@acme.example": ("unchanged", "admin", "admin"),
        "katherine@acme.example": ("role_change", "normal", "admin"),
    }
    assert result.items[0].member_id == "id-katherine"


def test_without_prune_unlisted_members_are_left_alone_and_the_note_names_the_override() -> None:
    result = plan([(ACTOR, "owner"), ("grace@acme.example", "admin")])
    unlisted = [i.email for i in result.items if i.action == "unlisted"]
    assert len(unlisted) == 4 and not result.has_changes
    assert result.notes == [
        "4 member(s) not in the manifest are left alone (prune is off); set `prune: true` in the "
        "manifest, or the prune override, to remove them"
    ]


def test_prune_removes_unlisted_members_and_cancels_pending_invitations() -> None:
    kept = [e for e in EVERYONE if e[0] not in ("katherine@acme.example", "newhire@acme.example")]
    result = plan(kept, prune=True, max_removal_ratio=0.5)
    removals = {i.email: i.note for i in result.items if i.action == "remove"}
    assert removals == {
        "katherine@acme.example": None,
        "newhire@acme.example": "cancels the pending invitation",
    }
    assert result.settings.prune and result.notes == []


def test_prune_from_the_manifest_counts_like_the_flag() -> None:
    kept = [e for e in EVERYONE if e[0] != "katherine@acme.example"]
    result = plan(kept, options="    prune: true\n")
    assert actions(result)["katherine@acme.example"][0] == "remove"
    assert not plan(kept, options="    prune: true\n", prune=False).has_changes


def test_the_owner_is_never_changed_and_the_refusal_names_the_override() -> None:
    members = replaced(ACTOR, "admin")
    with pytest.raises(UnsafePlanError) as caught:
        plan(members, actor="grace@acme.example")
    assert caught.value.message == (
        "m.yml:5:9: workspace 'Acme Dev': ada@acme.example is the workspace owner, and the "
        "API cannot change their role; write their current role in the manifest, or pass "
        "skip_untouchable to leave them as they are"
    )
    assert caught.value.hint == "Change the manifest, or override with skip_untouchable."
    assert caught.value.overrides == (Override.SKIP_UNTOUCHABLE,)
    assert caught.value.spelled(cli_setting) == (
        "m.yml:5:9: workspace 'Acme Dev': ada@acme.example is the workspace owner, and the "
        "API cannot change their role; write their current role in the manifest, or pass "
        "--skip-untouchable to leave them as they are",
        "Change the manifest, or override with --skip-untouchable.",
    )
    skipped = plan(members, actor="grace@acme.example", skip_untouchable=True)
    assert actions(skipped)[ACTOR] == ("not_manageable", "owner", "admin")
    assert not skipped.has_changes


def test_the_acting_account_is_never_changed() -> None:
    members = replaced("grace@acme.example", "normal")
    with pytest.raises(UnsafePlanError, match=r"grace@acme\.example is the acting account"):
        plan(members, actor="Grace@Acme.example")
    assert actions(plan(members, actor="grace@acme.example", skip_untouchable=True))[
        "grace@acme.example"
    ] == ("not_manageable", "admin", "normal")


def test_prune_never_removes_the_owner_or_the_acting_account() -> None:
    without = [e for e in EVERYONE if e[0] not in (ACTOR, "grace@acme.example")]
    with pytest.raises(UnsafePlanError) as caught:
        plan(without, options="    prune: true\n", actor="grace@acme.example", max_removal_ratio=1)
    assert caught.value.message.splitlines() == [
        "m.yml:4:5: workspace 'Acme Dev': prune would remove ada@acme.example, the workspace "
        "owner, which the API refuses; write their current role in the manifest, or pass "
        "skip_untouchable to leave them as they are",
        "m.yml:4:5: workspace 'Acme Dev': prune would remove grace@acme.example, the acting "
        "account, which the API refuses; write their current role in the manifest, or pass "
        "skip_untouchable to leave them as they are",
    ]
    result = plan(
        without,
        options="    prune: true\n",
        actor="grace@acme.example",
        max_removal_ratio=1,
        skip_untouchable=True,
    )
    assert {i.email for i in result.items if i.action == "remove"} == set()


def test_removals_beyond_the_ratio_are_refused_with_the_ratio_that_would_pass() -> None:
    kept = [e for e in EVERYONE if e[0] not in ("katherine@acme.example", "edsger@acme.example")]
    with pytest.raises(UnsafePlanError) as caught:
        plan(kept, options="    prune: true\n")
    assert caught.value.message == (
        "m.yml:4:5: workspace 'Acme Dev': the plan removes 2 of 6 members (33%), more than "
        "max_removal_ratio 0.25 allows; pass max_removal_ratio=0.34 (or raise "
        "max_removal_ratio in the manifest) to allow it"
    )
    assert "pass --max-removal-ratio 0.34 (or raise" in caught.value.spelled(cli_setting)[0]
    assert plan(kept, options="    prune: true\n", max_removal_ratio=0.34).count("remove") == 2
    ratio_line = "    prune: true\n    max_removal_ratio: 0.4\n"
    assert plan(kept, options=ratio_line).count("remove") == 2


def test_a_zero_ratio_refuses_any_removal() -> None:
    kept = [e for e in EVERYONE if e[0] != "katherine@acme.example"]
    with pytest.raises(UnsafePlanError, match=r"m.yml:5:24: .* removes 1 of 6 members"):
        plan(kept, options="    prune: true\n    max_removal_ratio: 0\n")


def test_no_plan_leaves_the_workspace_without_an_active_owner_or_admin() -> None:
    # The owner's account is closed and the acting token belongs to someone outside the
    # workspace (a guard in depth: normally the actor itself is an untouchable admin).
    live = [member("ada@acme.example", "owner", "closed"), *LIVE[1:]]
    members = replaced("grace@acme.example", "normal")
    with pytest.raises(UnsafePlanError) as caught:
        plan(members, live, actor="ops@acme.example")
    assert caught.value.message == (
        "m.yml:3:5: workspace 'Acme Dev': after this plan no active owner or admin would "
        "remain (now: grace@acme.example); pass allow_no_admin to apply it anyway"
    )
    assert caught.value.overrides == (Override.ALLOW_NO_ADMIN,)
    assert plan(members, live, actor="ops@acme.example", allow_no_admin=True).has_changes


def test_a_pending_admin_does_not_count_as_one_who_remains() -> None:
    live = [member("ada@acme.example", "owner", "closed"), *LIVE[1:]]
    live.append(member("newadmin@acme.example", "admin", "pending"))
    members = [*replaced("grace@acme.example", "normal"), ("newadmin@acme.example", "admin")]
    with pytest.raises(UnsafePlanError, match="pass allow_no_admin to apply it anyway"):
        plan(members, live, actor="ops@acme.example")


def test_protected_emails_are_never_touched() -> None:
    options = "    prune: true\n    protect: [Katherine@acme.example, hedy@acme.example]\n"
    members = [
        *[e for e in EVERYONE if e[0] != "katherine@acme.example"],
        ("hedy@acme.example", "admin"),
    ]
    result = plan(members, options=options)
    assert actions(result)["katherine@acme.example"] == ("not_manageable", "normal", None)
    assert actions(result)["hedy@acme.example"] == ("not_manageable", None, "admin")
    assert not result.has_changes


def test_every_refusal_is_reported_together_in_line_order() -> None:
    members = [*replaced("katherine@acme.example", "editor"), ("hedy@acme.example", "owner")]
    members = [(ACTOR, "admin") if e == ACTOR else (e, r) for e, r in members]
    with pytest.raises(ManifestError) as caught:
        plan(members, actor="grace@acme.example")
    assert [line.split(": ")[0] for line in caught.value.message.splitlines()] == [
        "m.yml:5:9",
        "m.yml:12:15",
        "m.yml:18:15",
    ]


def test_changes_come_in_apply_order() -> None:
    members = [
        ("hedy@acme.example", "normal"),
        ("grace@acme.example", "normal"),
        ("katherine@acme.example", "admin"),
        (ACTOR, "owner"),
        ("alan@acme.example", "editor"),
        ("edsger@acme.example", "dataset_operator"),
    ]
    result = plan(members, prune=True, max_removal_ratio=0.5)
    assert [(i.action, i.email) for i in result.changes] == [
        ("role_change", "katherine@acme.example"),  # promotions first
        ("role_change", "grace@acme.example"),
        ("remove", "newhire@acme.example"),  # frees a seat before the invite
        ("invite", "hedy@acme.example"),
    ]


def test_the_checksum_covers_live_state_and_options_but_not_manifest_layout() -> None:
    members = replaced("katherine@acme.example", "admin")
    first = plan(members)
    assert first.checksum.startswith("sha256:") and first.checksum == plan(members).checksum
    assert first.checksum == first.computed_checksum()
    moved = plan_members(
        manifest(members, options="    # a comment moves every line\n"),
        LIVE,
        actor_email=ACTOR,
        workspace=WORKSPACE,
        base_url="https://dify.test",
    )
    assert moved.checksum == first.checksum
    live = [*LIVE[:3], member("katherine@acme.example", "editor"), *LIVE[4:]]
    assert plan(members, live).checksum != first.checksum
    assert plan(members, prune=True, max_removal_ratio=1).checksum != first.checksum
    assert plan(members, actor="grace@acme.example").checksum != first.checksum


def test_a_non_admin_actor_is_warned_that_dify_will_refuse() -> None:
    result = plan(replaced("grace@acme.example", "normal"), actor="katherine@acme.example")
    assert result.notes == [
        "the acting account katherine@acme.example is normal here; only owners and admins may "
        "invite, change roles or remove, so Dify will refuse these changes"
    ]


def test_an_empty_live_list_plans_invites_only() -> None:
    result = plan([("hedy@acme.example", "admin")], [], actor=None, prune=True)
    assert [(i.action, i.email) for i in result.items] == [("invite", "hedy@acme.example")]
