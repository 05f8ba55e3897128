"""The drift report (issue 13): desired vs live as a promotion plan sees it, plus the live
apps the desired state does not have; its table, Markdown and failure line."""

from __future__ import annotations

from reconcile.drift import DriftState, Since, drift_markdown, drift_report, drift_rows
from reconcile.promotion.plan import Action, PlannedApp, PromotionOptions, PromotionPlan
from reconcile.promotion.planner import Selection, match_apps, plan_promotion
from tests.reconcile.promotion_fixtures import (
    SOURCE,
    TARGET,
    app_ref,
    chat_app,
    document,
    workflow_app,
)

COMMIT = "4f1c2a9e8b7d6c5b4a39281706f5e4d3c2b1a098"
SINCE = Since(commit=COMMIT, date="2026-11-30T02:30:11+01:00", subject="backup: 1 app changed")


def plan_of(desired: dict[str, dict], live: dict[str, dict], selection: Selection | None = None):  # type: ignore[no-untyped-def,type-arg]
    """desired and live apps by name → the promotion plan desired → live."""
    sources = [app_ref(n, d["app"]["mode"], f"d-{n}") for n, d in desired.items()]
    targets = [app_ref(n, d["app"]["mode"], f"l-{n}") for n, d in live.items()]
    matches = match_apps(sources, targets, selection or Selection())
    plan = plan_promotion(
        SOURCE,
        TARGET,
        matches,
        {n: document(d) for n, d in desired.items()},
        {f"l-{n}": document(d) for n, d in live.items()},
        PromotionOptions(),
    )
    return plan, targets


def test_equal_apps_are_in_sync_and_nothing_fails() -> None:
    app = workflow_app("Ticket Summary")
    plan, live = plan_of({"Ticket Summary": app}, {"Ticket Summary": app})
    report = drift_report(plan, live, Selection(), {})
    assert not report.has_drift and report.in_sync == ["Ticket Summary"]
    assert report.summary() == "no drift (1 in sync)"
    assert report.failure_message() is None
    markdown = drift_markdown(report)
    assert "no drift (1 in sync)" in markdown and "| app |" not in markdown


def test_changed_missing_extra_and_blocked() -> None:
    desired = {
        "Ticket Summary": workflow_app("Ticket Summary", prompt="Summarise in one sentence."),
        "Release Notes": workflow_app("Release Notes"),
        "Front Desk": chat_app("Front Desk", pre_prompt="You are the front desk of an inn."),
    }
    live = {
        "Ticket Summary": workflow_app("Ticket Summary"),
        "Front Desk": chat_app("Front Desk"),
        "Scratch Pad": workflow_app("Scratch Pad"),
    }
    plan, live_apps = plan_of(desired, live)
    since = {"Ticket Summary": SINCE, "Release Notes": SINCE}
    report = drift_report(plan, live_apps, Selection(), since)
    assert {a.name: a.state for a in report.drifted} == {
        "Front Desk": DriftState.BLOCKED,
        "Release Notes": DriftState.MISSING,
        "Scratch Pad": DriftState.EXTRA,
        "Ticket Summary": DriftState.CHANGED,
    }
    assert report.summary() == "1 changed, 1 missing, 1 extra, 1 blocked"
    rows = {row[0]: row for row in drift_rows(report)}
    assert rows["Ticket Summary"] == [
        "Ticket Summary",
        "changed",
        "1 node changed",
        "4f1c2a9e8b7d (2026-11-30)",
    ]
    assert rows["Release Notes"][2] == "absent from the live workspace"
    assert rows["Scratch Pad"][2:] == ["not in the desired state", "—"]
    blocked = next(a for a in report.drifted if a.state is DriftState.BLOCKED)
    # Why it cannot be overwritten, without the promotion's advice about its options.
    assert blocked.reason and "chat app" in blocked.reason and "recreate" not in blocked.reason
    assert blocked.live_id == "l-Front Desk"


def test_the_selection_narrows_the_extra_apps_too() -> None:
    app = workflow_app("Ticket Summary")
    selection = Selection(apps=["Ticket*"])
    plan, live = plan_of(
        {"Ticket Summary": app}, {"Ticket Summary": app, "Scratch Pad": app}, selection
    )
    assert not drift_report(plan, live, selection, {}).has_drift
    assert drift_report(plan, live, Selection(), {}).drifted[0].name == "Scratch Pad"


def test_markdown_has_the_table_and_each_diff_from_live_to_desired() -> None:
    desired = {"Ticket | Summary": workflow_app("Ticket | Summary", prompt="One sentence.")}
    live = {"Ticket | Summary": workflow_app("Ticket | Summary")}
    plan, live_apps = plan_of(desired, live)
    report = drift_report(plan, live_apps, Selection(), {"Ticket | Summary": SINCE})
    markdown = drift_markdown(report)
    assert markdown.startswith("# Dify drift check\n")
    assert "| app | state | what drifted | since |" in markdown
    assert (
        "| Ticket \\| Summary | changed | 1 node changed | 4f1c2a9e8b7d (2026-11-30) |" in markdown
    )
    assert "## Ticket | Summary (changed)" in markdown
    assert "From the live app to its desired version:" in markdown
    assert "One sentence." in markdown


def test_the_failure_line_names_the_first_apps_and_counts_the_rest() -> None:
    apps = [
        PlannedApp(
            name=f"App {n}",
            mode="workflow",
            action=Action.CREATE,
            target_name=f"App {n}",
            source_hash="0" * 64,
        )
        for n in range(7)
    ]
    plan = PromotionPlan(source=SOURCE, target=TARGET, options=PromotionOptions(), apps=apps)
    report = drift_report(plan, [], Selection(), {})
    line = report.failure_message()
    assert line == (
        "Prod on https://prod.dify.test drifted from its desired state: 7 missing "
        "(App 0, App 1, App 2, App 3, App 4 and 2 more)"
    )


def test_since_labels() -> None:
    assert SINCE.label() == "4f1c2a9e8b7d (2026-11-30)"
    assert Since(commit=COMMIT).label() == "4f1c2a9e8b7d"
    assert Since(date="2025-03-25T11:00:00").label() == "2025-03-25T11:00:00"
