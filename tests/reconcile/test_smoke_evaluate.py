"""Judging runs against smoke cases (reconcile.smoke.evaluate): each matcher, each
expectation, the failure sentences, and run_cases over a fake runner (one that raises)."""

from __future__ import annotations

from typing import Any

import pytest

from reconcile.smoke import honesty
from reconcile.smoke.cases import Matcher, SmokeCase
from reconcile.smoke.evaluate import check, evaluate, run_cases
from reconcile.smoke.ports import RunError
from tests.reconcile.smoke_fakes import FakeNode, FakeResult, FakeRunner


def case(**fields: Any) -> SmokeCase:
    return SmokeCase.model_validate({"name": "c", **fields})


@pytest.mark.parametrize(
    ("matcher", "value", "passes"),
    [
        ({"equals": "Done"}, "Done", True),
        ({"equals": "Done"}, "done", False),
        ({"equals": 3}, 3, True),
        ({"equals": {"a": [1]}}, {"a": [1]}, True),
        ({"equals": None}, None, True),
        ({"equals": None}, "", False),
        ({"contains": "fund"}, "refund policy", True),
        ({"contains": "Fund"}, "refund policy", False),
        ({"contains": "x"}, ["x", "y"], True),
        ({"contains": 2}, [1, 3], False),
        ({"contains": "key"}, {"key": 1}, True),
        ({"matches": r"^Title: \w+"}, "Title: Printer", True),
        ({"matches": r"\d{3}"}, "ticket 12", False),
        ({"matches": "fire"}, "Printer on fire!", True),  # searched, not anchored
    ],
)
def test_each_matcher(matcher: dict[str, Any], value: Any, passes: bool) -> None:
    assert (check(Matcher.model_validate(matcher), value) is None) is passes


def test_matchers_refuse_values_of_the_wrong_kind_saying_so() -> None:
    assert check(Matcher(matches="a"), 12) == "expected to match 'a', but the value is 12, not text"
    assert check(Matcher(contains="a"), 12) == (
        "expected to contain 'a', but the value is 12, not text or a list"
    )


def test_a_run_that_meets_every_expectation_passes() -> None:
    outcome = evaluate(
        case(
            outputs_present=["summary"],
            output={"summary": {"contains": "fire"}, "priority": "high"},
            answer={"matches": "^Hello"},
            max_elapsed_s=2,
            max_tokens=100,
        ),
        FakeResult(
            outputs={"summary": "Printer on fire", "priority": "high"},
            answer="Hello there",
            elapsed_time=1.5,
            total_tokens=99,
            run_id="run-9",
        ),
    )
    assert outcome.passed and outcome.failures == []
    assert outcome.run_id == "run-9" and outcome.elapsed == 1.5 and outcome.name == "c"


def test_each_failure_is_a_sentence_naming_what_was_expected_and_got() -> None:
    outcome = evaluate(
        case(
            outputs_present=["summary", "tags"],
            output={"priority": "high", "missing": {"equals": 1}},
            answer={"contains": "refund"},
            max_elapsed_s=1,
            max_tokens=10,
        ),
        FakeResult(
            outputs={"summary": "x", "priority": "low"},
            answer="no idea",
            elapsed_time=3.25,
            total_tokens=50,
        ),
    )
    assert not outcome.passed
    assert outcome.failures == [
        "output 'tags' is missing (the run's outputs: priority, summary)",
        "output 'priority': expected to equal 'high', got 'low'",
        "output 'missing': expected to equal 1, but it is missing",
        "answer: expected to contain 'refund', got 'no idea'",
        "took 3.25 s, more than the 1 s allowed",
        "used 50 tokens, more than the 10 allowed",
    ]


def test_a_wrong_status_names_the_error_and_the_failed_node() -> None:
    outcome = evaluate(
        case(),
        FakeResult(
            status="failed",
            error="model timed out",
            nodes=[
                FakeNode("start", "start"),
                FakeNode("llm-1", "llm", "Summarise", "failed", "timeout after 30 s"),
            ],
        ),
    )
    assert outcome.failures == [
        "status: expected succeeded, got failed (model timed out); "
        "node 'Summarise' (llm) failed: timeout after 30 s"
    ]


def test_a_case_may_expect_a_failed_run() -> None:
    assert evaluate(case(status="failed"), FakeResult(status="failed", error="boom")).passed


def test_no_answer_and_unreported_limits_fail_rather_than_pass_silently() -> None:
    outcome = evaluate(
        case(answer="Hi", max_elapsed_s=5, max_tokens=5),
        FakeResult(answer=None, elapsed_time=None, total_tokens=None),
    )
    assert outcome.failures == [
        "answer: expected to equal 'Hi', but the run gave no answer",
        "elapsed time: the run reported none, so max_elapsed_s is unchecked",
        "tokens: the run reported none, so max_tokens is unchecked",
    ]


def test_long_values_are_cut_short_in_failures() -> None:
    failure = check(Matcher(equals="short"), "x" * 500)
    assert failure is not None and len(failure) < 120 and failure.endswith("…")


def test_run_cases_runs_each_case_with_its_inputs_and_query() -> None:
    runner = FakeRunner(answer=FakeResult(answer="Hello"))
    cases = [case(name="a", query="hi", inputs={"k": 1}), case(name="b", answer="Nope")]
    report = run_cases(runner, "app-1", cases, app="Helpdesk", mode="advanced-chat")
    assert [(c.app_id, c.inputs, c.query) for c in runner.calls] == [
        ("app-1", {"k": 1}, "hi"),
        ("app-1", {}, None),
    ]
    assert report.app == "Helpdesk" and report.app_id == "app-1"
    assert [c.passed for c in report.cases] == [True, False]
    assert not report.passed and report.summary() == "smoke 1/2 passed; failed: b"
    assert report.note == honesty.PUBLISHED_ONLY  # a chatflow runs its published version


def test_a_runner_that_raises_gives_a_failed_case_not_a_crash() -> None:
    refused = RunError("Workflow not published", kind="BadRequestError", code="app_unavailable")
    failed_mid_run = RunError(
        "model quota exceeded", kind="RunFailed", code="quota", started=True, run_id="run-7"
    )
    runner = FakeRunner(by_app={"a": refused, "b": failed_mid_run})
    first = run_cases(runner, "a", [case(name="x"), case(name="y")])
    assert [c.failures for c in first.cases] == [
        ["the run could not start: BadRequestError (app_unavailable): Workflow not published"]
    ] * 2
    second = run_cases(runner, "b", [case(name="x"), case(name="expects failure", status="failed")])
    assert second.cases[0].failures == ["the run failed: RunFailed (quota): model quota exceeded"]
    assert second.cases[0].run_id == "run-7"
    assert second.cases[1].passed  # it expected the run to fail, and it did


def test_a_refusal_before_the_run_fails_even_a_case_expecting_failure() -> None:
    runner = FakeRunner(answer=RunError("no such app", kind="NotFoundError"))
    report = run_cases(runner, "a", [case(status="failed")])
    assert not report.passed


def test_a_report_of_a_model_config_app_says_it_ran_the_app_as_it_is() -> None:
    report = run_cases(FakeRunner(), "a", [case()], mode="chat")
    assert report.passed and report.note == "smoke cases ran against the app as it is"
    assert report.summary() == "smoke 1/1 passed"
