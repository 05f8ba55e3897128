"""The smoke gate of a promotion's apply (reconcile.promotion.smoke_gate through
reconcile.promotion.apply): cases run on the target after import and verification;
passing keeps the app, failing rolls it back or is reported per policy; every result
says which version the cases exercised."""

from __future__ import annotations

from typing import Any

import yaml

from dsl import load_text
from reconcile.promotion.apply import apply_plan
from reconcile.promotion.plan import Action, PromotionOptions, PromotionPlan
from reconcile.promotion.planner import plan_promotion
from reconcile.promotion.render import plan_markdown, planned_smoke, result_markdown
from reconcile.promotion.result import Outcome, PromotionResult
from reconcile.smoke import honesty
from reconcile.smoke.cases import SmokeCase
from reconcile.smoke.ports import RunError
from tests.reconcile.fake_target import FakeTarget
from tests.reconcile.promotion_fixtures import SOURCE, TARGET, chat_app, match, workflow_app
from tests.reconcile.smoke_fakes import FakeResult, FakeRunner

NEW_PROMPT = "Summarise the ticket in one sentence: {{#start.ticket#}}"
CASES = [
    SmokeCase.model_validate({"name": "summarises", "inputs": {"ticket": "Printer on fire"}}),
    SmokeCase.model_validate({"name": "has a summary", "outputs_present": ["summary"]}),
]
PASSING = FakeResult(outputs={"summary": "A printer is on fire."})
FAILING = FakeResult(outputs={})


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def planned(
    source: dict[str, Any], target: dict[str, Any] | None, *, mode: str, **options: Any
) -> tuple[PromotionPlan, dict[str, str], dict[str, str]]:
    name = source["app"]["name"]
    text = dump(source)
    before = {"t-1": dump(target)} if target is not None else {}
    plan = plan_promotion(
        SOURCE,
        TARGET,
        [match(name, mode, target_id="t-1" if target is not None else None)],
        {name: load_text(text)},
        {app_id: load_text(t) for app_id, t in before.items()},
        PromotionOptions(smoke={name: CASES}, **options),
    )
    return plan, {name: text}, before


def update(
    runner: FakeRunner, **options: Any
) -> tuple[PromotionResult, FakeTarget, dict[str, str]]:
    """A changed workflow imported over its target app, with smoke cases."""
    plan, texts, before = planned(
        workflow_app(prompt=NEW_PROMPT), workflow_app(), mode="workflow", **options
    )
    fake = FakeTarget(apps=dict(before))
    return apply_plan(fake, plan, texts, runner=runner), fake, before


def test_passing_smoke_cases_keep_the_app_applied_and_say_what_they_ran_against() -> None:
    runner = FakeRunner(answer=PASSING)
    result, fake, _ = update(runner)
    app = result.apps[0]
    assert app.outcome == Outcome.APPLIED and result.ok
    assert [c.app_id for c in runner.calls] == ["t-1", "t-1"]
    assert runner.calls[0].inputs == {"ticket": "Printer on fire"}
    assert fake.methods() == ["export", "import", "check", "export"]  # runs after verifying
    assert app.smoke is not None and app.smoke.passed
    assert app.smoke.note == honesty.PUBLISHED_AFTER_IMPORT
    assert app.message.endswith(
        "; verified; smoke 2/2 passed (imported as draft; publish it in Dify to go live; "
        "smoke cases ran against the published version)"
    )
    assert "one sentence" in fake.apps["t-1"]


def test_failed_smoke_cases_under_rollback_restore_the_snapshot() -> None:
    result, fake, before = update(FakeRunner(answer=FAILING))
    app = result.apps[0]
    assert app.outcome == Outcome.ROLLED_BACK and not result.ok
    assert fake.apps["t-1"] == before["t-1"]  # byte for byte what it had
    assert fake.methods() == ["export", "import", "check", "export", "import", "export"]
    assert fake.calls[-1].app_id == "t-1"
    assert app.message == (
        "smoke 1/2 passed; failed: has a summary (smoke cases ran against the published "
        "version, not the imported draft); rolled back to the DSL it had before"
    )
    assert app.smoke is not None and app.smoke.failed[0].failures == [
        "output 'summary' is missing (the run's outputs: none)"
    ]


def test_failed_smoke_cases_under_report_keep_the_import_and_fail_the_run() -> None:
    result, fake, before = update(FakeRunner(answer=FAILING), on_smoke_failure="report")
    app = result.apps[0]
    assert app.outcome == Outcome.APPLIED
    assert fake.apps["t-1"] != before["t-1"] and "import" in fake.methods()[-3:]
    assert fake.methods().count("import") == 1  # nothing rolled back
    assert app.message.endswith(
        "; smoke 1/2 passed; failed: has a summary (imported as draft; publish it in Dify to "
        "go live; smoke cases ran against the published version); kept: the smoke policy is "
        "report"
    )
    assert not result.ok  # the failure is reported, never swallowed
    assert result.summary() == "1 applied, 1 with failed smoke cases"


def test_a_runner_that_raises_fails_the_cases_and_rolls_back() -> None:
    refused = RunError("Workflow not published", kind="BadRequestError", code="app_unavailable")
    result, fake, before = update(FakeRunner(answer=refused))
    app = result.apps[0]
    assert app.outcome == Outcome.ROLLED_BACK and fake.apps["t-1"] == before["t-1"]
    assert app.smoke is not None
    assert app.smoke.cases[0].failures == [
        "the run could not start: BadRequestError (app_unavailable): Workflow not published"
    ]


def test_a_new_workflow_app_has_nothing_published_so_its_cases_are_skipped_saying_why() -> None:
    plan, texts, _ = planned(workflow_app(), None, mode="workflow")
    runner = FakeRunner()
    result = apply_plan(FakeTarget(), plan, texts, runner=runner)
    app = result.apps[0]
    assert app.outcome == Outcome.APPLIED and runner.calls == []
    assert app.smoke is not None and app.smoke.skipped == honesty.NOTHING_PUBLISHED
    assert honesty.NOTHING_PUBLISHED in app.attention
    assert "passed" not in app.message  # never claims a test that did not run


def test_a_recreated_chat_app_runs_its_cases_against_the_imported_version() -> None:
    source = chat_app(pre_prompt="You are the front desk of a large hotel.")
    name = source["app"]["name"]
    text = dump(source)
    plan = plan_promotion(
        SOURCE,
        TARGET,
        [match(name, "chat", target_id="t-1")],
        {name: load_text(text)},
        {"t-1": load_text(dump(chat_app()))},
        PromotionOptions(recreate=True, smoke={name: CASES[:1]}),
    )
    runner = FakeRunner()
    result = apply_plan(
        FakeTarget(apps={"t-1": dump(chat_app())}), plan, {name: text}, runner=runner
    )
    app = result.apps[0]
    assert app.action == Action.RECREATE and app.outcome == Outcome.APPLIED
    assert runner.calls[0].app_id == app.app_id != "t-1"
    assert app.smoke is not None and app.smoke.note == honesty.IMPORTED_IS_LIVE


def test_without_a_runner_or_cases_nothing_runs() -> None:
    plan, texts, before = planned(workflow_app(prompt=NEW_PROMPT), workflow_app(), mode="workflow")
    result = apply_plan(FakeTarget(apps=dict(before)), plan, texts)
    assert result.apps[0].smoke is None and result.ok
    bare = plan.model_copy(update={"options": PromotionOptions()})
    runner = FakeRunner()
    assert apply_plan(FakeTarget(apps=dict(before)), bare, texts, runner=runner).ok
    assert runner.calls == []


def test_the_plan_says_what_its_smoke_cases_will_exercise() -> None:
    plan, _, _ = planned(workflow_app(prompt=NEW_PROMPT), workflow_app(), mode="workflow")
    plan = plan.model_copy(
        update={
            "options": plan.options.model_copy(
                update={"smoke": {**plan.options.smoke, "Typo": CASES}}
            )
        }
    )
    lines = planned_smoke(plan)
    assert lines == [
        "Ticket Summary: 2 case(s) (summarises, has a summary); on failure: rollback; "
        "will be imported as draft; publish it in Dify to go live; smoke cases will run "
        "against the published version, not the imported one",
        "Typo: has smoke cases but is not promoted by this plan",
    ]
    markdown = plan_markdown(plan)
    assert "## Smoke cases" in markdown and f"- {lines[0]}" in markdown


def test_the_plan_says_the_cases_of_an_app_it_does_not_import_do_not_run() -> None:
    plan, _, _ = planned(workflow_app(), workflow_app(), mode="workflow")
    assert plan.apps[0].action == Action.UNCHANGED
    assert planned_smoke(plan) == ["Ticket Summary: its smoke cases do not run: it is not imported"]


def test_the_smoke_cases_are_part_of_the_checksum() -> None:
    plan, _, _ = planned(workflow_app(prompt=NEW_PROMPT), workflow_app(), mode="workflow")
    other = plan.model_copy(
        update={"options": plan.options.model_copy(update={"smoke": {}}), "checksum": ""}
    ).sealed()
    assert other.checksum != plan.checksum
    policy = plan.model_copy(
        update={"options": plan.options.model_copy(update={"on_smoke_failure": "report"})}
    ).sealed()
    assert policy.checksum != plan.checksum


def test_the_result_markdown_shows_each_case_and_the_honest_note() -> None:
    result, _, _ = update(FakeRunner(answer=FAILING), on_smoke_failure="report")
    markdown = result_markdown(result)
    assert "## Smoke cases" in markdown
    assert "### Ticket Summary: smoke 1/2 passed; failed: has a summary" in markdown
    assert f"_{honesty.PUBLISHED_AFTER_IMPORT}_" in markdown
    assert "| has a summary | FAILED | 0.50 | output 'summary' is missing" in markdown
