"""Which apps a smoke check runs (reconcile.smoke.select) and its Markdown report."""

from __future__ import annotations

from reconcile.smoke.cases import SmokeCase
from reconcile.smoke.render import smoke_markdown
from reconcile.smoke.result import CaseOutcome, SmokeReport, SmokeRun
from reconcile.smoke.select import WorkspaceApp, select

A = [SmokeCase(name="a")]
B = [SmokeCase(name="b")]


def test_apps_are_matched_by_exact_name_and_the_rest_say_why_not() -> None:
    apps = [
        WorkspaceApp("Helpdesk", "h-1", "advanced-chat"),
        WorkspaceApp("Twin", "t-1", "workflow"),
        WorkspaceApp("Twin", "t-2", "workflow"),
        WorkspaceApp("helpdesk", "h-2", "chat"),
    ]
    targets, missing = select({"Helpdesk": A, "Twin": B, "Gone": A}, apps)
    assert [(t.app.app_id, list(t.cases)) for t in targets] == [("h-1", A)]
    assert missing == {
        "Twin": "several apps have this name (t-1, t-2); rename all but one",
        "Gone": "the workspace has no app of this name",
    }


def test_asked_apps_narrow_the_check_and_unknown_ones_are_reported() -> None:
    apps = [WorkspaceApp("Helpdesk", "h-1", "chat"), WorkspaceApp("Other", "o-1", "chat")]
    targets, missing = select({"Helpdesk": A, "Other": B}, apps, asked=["Other", "Nope"])
    assert [t.app.name for t in targets] == ["Other"]
    assert missing == {"Nope": "no smoke cases for it"}


def test_a_run_passes_only_when_every_case_passed_and_no_app_was_missing() -> None:
    ok = SmokeReport(app="A", cases=[CaseOutcome(name="x", passed=True)])
    assert SmokeRun(workspace="W", reports=[ok]).passed
    assert not SmokeRun(workspace="W", reports=[ok], missing={"B": "gone"}).passed


def test_the_markdown_lists_every_case_and_what_it_exercised() -> None:
    report = SmokeReport(
        app="Helpdesk",
        app_id="h-1",
        note="smoke cases ran against the published version (imports change only the draft)",
        cases=[
            CaseOutcome(name="greets", passed=True, elapsed=0.5),
            CaseOutcome(name="refunds | returns", passed=False, failures=["answer: x", "took 3 s"]),
        ],
    )
    markdown = smoke_markdown(SmokeRun(workspace="Prod", reports=[report], missing={"B": "gone"}))
    assert markdown.startswith(
        "# Dify smoke check\n\nWorkspace **Prod**: 1 of 2 smoke cases passed in 1 app(s); "
        "1 app(s) not found."
    )
    assert "- **B**: not run: gone" in markdown
    assert "## Helpdesk: smoke 1/2 passed; failed: refunds | returns" in markdown
    assert "_smoke cases ran against the published version" in markdown
    assert "| greets | passed | 0.50 |  |" in markdown
    assert "| refunds \\| returns | FAILED |  | answer: x; took 3 s |" in markdown
