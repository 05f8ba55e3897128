"""Selecting source apps and matching them to target apps (`Selection`, `match_apps`)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from difyops._spelling import cli_setting
from reconcile.errors import Override, PlanError
from reconcile.promotion.planner import AppRef, Match, Selection, match_apps
from tests.reconcile.promotion_fixtures import app_ref

# --- Selection.picks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("apps", "modes", "name", "mode", "picked"),
    [
        ([], [], "Anything", "chat", True),  # empty selection = all apps
        (["Policy Helpdesk"], [], "Policy Helpdesk", "advanced-chat", True),
        (["Policy Helpdesk"], [], "Policy Helpdesk (EU)", "advanced-chat", False),
        (["Policy Helpdesk"], [], "policy helpdesk", "advanced-chat", False),  # case matters
        (["Policy Helpdesk"], [], "Policy Helpdesk ", "advanced-chat", False),
        (["Support *"], [], "Support Triage", "workflow", True),
        (["Support *"], [], "Support ", "workflow", True),
        (["Support *"], [], "Support", "workflow", False),
        (["Support *"], [], "Customer Support Bot", "workflow", False),
        (["*Bot"], [], "Customer Support Bot", "workflow", True),
        (["Report v?"], [], "Report v2", "workflow", True),
        (["Report v?"], [], "Report v10", "workflow", False),
        (["Report v[12]"], [], "Report v2", "workflow", True),
        (["Report v[12]"], [], "Report v3", "workflow", False),
        (["Alpha", "Beta*"], [], "Beta Tester", "workflow", True),
        (["Alpha", "Beta*"], [], "Gamma", "workflow", False),
        ([], ["workflow"], "Anything", "workflow", True),
        ([], ["workflow"], "Anything", "advanced-chat", False),
        ([], ["workflow", "advanced-chat"], "Anything", "advanced-chat", True),
        (["Support *"], ["workflow"], "Support Triage", "workflow", True),
        (["Support *"], ["workflow"], "Support Triage", "chat", False),  # both must hold
        (["Support *"], ["workflow"], "Sales Triage", "workflow", False),
    ],
)
def test_picks_by_exact_name_glob_and_mode(
    apps: list[str], modes: list[str], name: str, mode: str, picked: bool
) -> None:
    assert Selection(apps=apps, modes=modes).picks(app_ref(name, mode)) is picked


def test_an_exact_name_with_brackets_selects_its_app() -> None:
    assert Selection(apps=["FAQ [beta]"]).picks(app_ref("FAQ [beta]")) is True


def test_selection_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError) as refused:
        Selection.model_validate({"apps": [], "mode": ["workflow"]})
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [
        (("mode",), "extra_forbidden")
    ]


# --- match_apps -----------------------------------------------------------------------------

SOURCES = [
    app_ref("Ticket Summary", "workflow", "s-ticket"),
    app_ref("Policy Helpdesk", "advanced-chat", "s-policy"),
    app_ref("Front Desk", "chat", "s-front"),
]
TARGETS = [
    app_ref("Policy Helpdesk", "advanced-chat", "t-policy"),
    app_ref("Front Desk", "chat", "t-front"),
    app_ref("Only In Prod", "workflow", "t-only"),
]


def pairs(matches: list[Match]) -> list[tuple[str, str, str | None]]:
    return [(m.source.name, m.target_name, m.target.id if m.target else None) for m in matches]


def test_matches_by_exact_name_sorted_by_source_name() -> None:
    matches = match_apps(SOURCES, TARGETS, Selection())
    assert pairs(matches) == [
        ("Front Desk", "Front Desk", "t-front"),
        ("Policy Helpdesk", "Policy Helpdesk", "t-policy"),
        ("Ticket Summary", "Ticket Summary", None),
    ]
    assert matches[1].source == SOURCES[1]
    assert matches[1].target == TARGETS[0]


def test_target_only_apps_are_not_touched() -> None:
    names = {m.target_name for m in match_apps(SOURCES, TARGETS, Selection())}
    assert "Only In Prod" not in names


def test_matching_is_exact_not_case_insensitive() -> None:
    matches = match_apps(
        [app_ref("Front Desk", "chat", "s1")], [app_ref("front desk", "chat", "t1")], Selection()
    )
    assert pairs(matches) == [("Front Desk", "Front Desk", None)]


def test_only_selected_apps_are_matched() -> None:
    matches = match_apps(SOURCES, TARGETS, Selection(modes=["workflow", "advanced-chat"]))
    assert pairs(matches) == [
        ("Policy Helpdesk", "Policy Helpdesk", "t-policy"),
        ("Ticket Summary", "Ticket Summary", None),
    ]


def test_a_selection_that_picks_nothing_matches_nothing() -> None:
    assert match_apps(SOURCES, TARGETS, Selection(apps=["Nope*"])) == []


def test_mapping_sends_a_source_app_to_another_target_name() -> None:
    targets = [*TARGETS, app_ref("Policy Helpdesk (EU)", "advanced-chat", "t-policy-eu")]
    selection = Selection(
        apps=["Policy Helpdesk"], mapping={"Policy Helpdesk": "Policy Helpdesk (EU)"}
    )
    assert pairs(match_apps(SOURCES, targets, selection)) == [
        ("Policy Helpdesk", "Policy Helpdesk (EU)", "t-policy-eu")
    ]


def test_mapping_to_a_name_absent_in_the_target_is_a_create() -> None:
    selection = Selection(mapping={"Ticket Summary": "Ticket Summary (EU)"})
    matches = match_apps(SOURCES, TARGETS, selection)
    assert ("Ticket Summary", "Ticket Summary (EU)", None) in pairs(matches)


def test_mapping_ignores_the_app_of_the_source_name_in_the_target() -> None:
    # "Front Desk" exists in the target, but the mapping sends the source app elsewhere.
    selection = Selection(apps=["Front Desk"], mapping={"Front Desk": "Front Desk 2"})
    assert pairs(match_apps(SOURCES, TARGETS, selection)) == [("Front Desk", "Front Desk 2", None)]


@pytest.mark.parametrize(
    ("selection", "unknown"),
    [
        (Selection(mapping={"Ghost": "Ghost (EU)"}), "['Ghost']"),
        # Exists in the source, but the selection leaves it out.
        (Selection(apps=["Ticket*"], mapping={"Front Desk": "Desk"}), "['Front Desk']"),
        (
            Selection(modes=["chat"], mapping={"Zed": "Z", "Ticket Summary": "T"}),
            "['Ticket Summary', 'Zed']",
        ),
    ],
)
def test_mapping_entries_naming_unknown_or_unselected_apps_refuse(
    selection: Selection, unknown: str
) -> None:
    with pytest.raises(PlanError) as refused:
        match_apps(SOURCES, TARGETS, selection)
    assert refused.value.message == (
        f"the mapping names source apps that are not selected or do not exist: {unknown}"
    )
    assert refused.value.hint == (
        "Check the names on the left of each mapping against the source's apps."
    )


def test_duplicate_selected_source_names_refuse_with_the_names() -> None:
    sources = [
        *SOURCES,
        app_ref("Ticket Summary", "workflow", "s-ticket-2"),
        app_ref("Front Desk", "chat", "s-front-2"),
    ]
    with pytest.raises(PlanError) as refused:
        match_apps(sources, TARGETS, Selection())
    assert refused.value.message == (
        "the source has several apps named ['Front Desk', 'Ticket Summary']; "
        "a promotion matches by name"
    )
    assert refused.value.hint == (
        "Rename them in the source, or narrow the selection so each name is unique."
    )


def test_duplicate_source_names_outside_the_selection_do_not_matter() -> None:
    sources = [*SOURCES, app_ref("Front Desk", "chat", "s-front-2")]
    matches = match_apps(sources, TARGETS, Selection(apps=["Ticket Summary"]))
    assert pairs(matches) == [("Ticket Summary", "Ticket Summary", None)]


def test_duplicate_target_names_refuse_with_names_and_ids() -> None:
    targets = [
        *TARGETS,
        app_ref("Policy Helpdesk", "advanced-chat", "t-policy-2"),
        app_ref("Front Desk", "chat", "t-front-2"),
    ]
    with pytest.raises(PlanError) as refused:
        match_apps(SOURCES, targets, Selection())
    assert refused.value.message == (
        "the target has several apps named ['Front Desk', 'Policy Helpdesk'] "
        "({'Front Desk': ['t-front', 't-front-2'], "
        "'Policy Helpdesk': ['t-policy', 't-policy-2']})"
    )
    assert refused.value.hint == (
        "Retire or rename the extra apps in the target, or map the source app to a "
        "unique name with map=SOURCE=TARGET."
    )
    assert refused.value.overrides == (Override.MAP,)
    assert refused.value.spelled(cli_setting)[1] == (
        "Retire or rename the extra apps in the target, or map the source app to a "
        "unique name with --map SOURCE=TARGET."
    )


def test_duplicate_target_names_no_selected_app_lands_on_do_not_matter() -> None:
    targets = [*TARGETS, app_ref("Only In Prod", "workflow", "t-only-2")]
    matches = match_apps(SOURCES, targets, Selection())
    assert len(matches) == 3


def test_duplicate_target_names_reached_through_the_mapping_refuse() -> None:
    targets = [*TARGETS, app_ref("Only In Prod", "workflow", "t-only-2")]
    selection = Selection(apps=["Ticket Summary"], mapping={"Ticket Summary": "Only In Prod"})
    with pytest.raises(PlanError, match=r"several apps named \['Only In Prod'\]"):
        match_apps(SOURCES, targets, selection)


def test_mapping_around_a_target_duplicate_avoids_the_refusal() -> None:
    targets = [*TARGETS, app_ref("Policy Helpdesk", "advanced-chat", "t-policy-2")]
    selection = Selection(mapping={"Policy Helpdesk": "Policy Helpdesk (EU)"})
    matches = match_apps(SOURCES, targets, selection)
    assert ("Policy Helpdesk", "Policy Helpdesk (EU)", None) in pairs(matches)


@pytest.mark.parametrize(
    ("mapping", "targets"),
    [
        ({"Ticket Summary": "Front Desk"}, TARGETS),  # lands on an app another one updates
        ({"Ticket Summary": "Summary", "Policy Helpdesk": "Summary"}, TARGETS),  # two creates
    ],
)
def test_two_source_apps_landing_on_one_target_name_refuse(
    mapping: dict[str, str], targets: list[AppRef]
) -> None:
    with pytest.raises(PlanError):
        match_apps(SOURCES, targets, Selection(mapping=mapping))


def test_git_sources_without_ids_match_too() -> None:
    sources = [AppRef(name="Ticket Summary", mode="workflow")]
    targets = [app_ref("Ticket Summary", "workflow", "t-ticket")]
    [matched] = match_apps(sources, targets, Selection())
    assert matched.source.id is None
    assert matched.target == targets[0]
