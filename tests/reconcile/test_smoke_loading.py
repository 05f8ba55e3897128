"""Reading smoke cases (reconcile.smoke.loader and the promotion manifest's `smoke:`):
what validates, and each problem at its file:line:column."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reconcile.errors import ManifestError
from reconcile.promotion.manifest import load_promotion_section
from reconcile.smoke.cases import Matcher, SmokeCase, cases_for
from reconcile.smoke.loader import load_smoke_file


def load(text: str) -> dict[str, list[SmokeCase]]:
    return load_smoke_file(textwrap.dedent(text).lstrip("\n"), source="smoke.yml")


def problems(text: str) -> list[str]:
    with pytest.raises(ManifestError) as refused:
        load(text)
    return str(refused.value).splitlines()


def test_a_full_file_validates() -> None:
    cases = load(
        """
        version: 1
        smoke:
          Policy Helpdesk:
            - name: answers refunds
              query: How do I get a refund?
              inputs: {locale: en}
              answer: {contains: refund}
              max_elapsed_s: 20
          Ticket Triage:
            - name: summary
              inputs: {ticket: Printer on fire}
              status: succeeded
              outputs_present: [summary, priority]
              output:
                summary: {matches: "^Title: "}
                priority: high
                tags: {contains: hardware}
              max_tokens: 2000
        """
    )
    helpdesk = cases["Policy Helpdesk"][0]
    assert helpdesk.query == "How do I get a refund?" and helpdesk.inputs == {"locale": "en"}
    assert helpdesk.answer == Matcher(contains="refund") and helpdesk.max_elapsed_s == 20
    triage = cases["Ticket Triage"][0]
    assert triage.status == "succeeded" and triage.outputs_present == ["summary", "priority"]
    assert triage.output["summary"].kind == "matches"
    # A bare value is short for `equals`.
    assert triage.output["priority"].kind == "equals"
    assert triage.output["priority"].equals == "high"
    assert triage.max_tokens == 2000


def test_defaults_expect_a_succeeded_run_and_nothing_else() -> None:
    case = load("version: 1\nsmoke:\n  A:\n    - name: runs\n")["A"][0]
    assert case.status == "succeeded" and case.inputs == {} and case.query is None
    assert not (case.outputs_present or case.output or case.answer)
    assert case.max_elapsed_s is None and case.max_tokens is None


def test_a_bad_regex_is_reported_at_its_line() -> None:
    found = problems(
        """
        version: 1
        smoke:
          A:
            - name: bad pattern
              output:
                summary: {matches: "([unclosed"}
        """
    )
    assert len(found) == 1
    assert found[0].startswith("smoke.yml:6:19: smoke.A.0.output.summary.matches: invalid regular")


def test_every_problem_is_reported_at_once_each_at_its_place() -> None:
    found = problems(
        """
        version: 2
        smoke:
          A:
            - name: one
              statuz: failed
              max_elapsed_s: -1
            - name: two
              answer: {contains: x, matches: y}
              status: exploded
        """
    )
    assert "smoke.yml:1:1: version: Input should be 1" in found
    assert "smoke.yml:5:7: smoke.A.0.statuz: unknown key (did you mean 'status'?)" in found
    assert "smoke.yml:6:7: smoke.A.0.max_elapsed_s: Input should be greater than 0" in found
    assert (
        "smoke.yml:8:7: smoke.A.1.answer: give exactly one of equals, contains or matches" in found
    )
    assert any(p.startswith("smoke.yml:9:7: smoke.A.1.status: Input should be") for p in found)
    assert len(found) == 5


def test_a_case_needs_a_name_and_names_are_unique_per_app() -> None:
    assert any(
        p.startswith("smoke.yml:4:7: smoke.A.0.name: Field required")
        for p in problems("version: 1\nsmoke:\n  A:\n    - query: hi\n")
    )
    found = problems(
        """
        version: 1
        smoke:
          A:
            - name: same
            - name: same
          B:
            - name: same
        """
    )
    assert found == [
        "smoke.yml:5:7: smoke.A.1.name: a second case named 'same' for 'A' (first at line 4)"
    ]


def test_a_blank_query_is_refused() -> None:
    found = problems("version: 1\nsmoke:\n  A:\n    - name: q\n      query: '  '\n")
    assert found == ["smoke.yml:4:7: smoke.A.0: `query` is blank: leave it out for workflow apps"]


def test_not_a_mapping_and_bad_yaml_are_refused() -> None:
    assert problems("- a\n") == [
        "smoke.yml:1:1: a smoke file is a mapping with `version: 1` and `smoke:`"
    ]
    with pytest.raises(ManifestError, match=r"^smoke.yml:3:1: invalid YAML"):
        load("version: 1\nsmoke: [\n")


def test_the_promotion_manifest_holds_cases_and_the_policy() -> None:
    text = textwrap.dedent(
        """
        version: 1
        promotion:
          source: {workspace: Acme Dev}
          target: {workspace: Acme Prod}
          on_smoke_failure: report
          smoke:
            Policy Helpdesk:
              - name: answers
                query: hi
                answer: {matches: "[Hh]ello"}
        """
    ).lstrip("\n")
    section = load_promotion_section(text, source="difyops.yml")
    assert section.on_smoke_failure == "report"
    assert [c.name for c in section.smoke["Policy Helpdesk"]] == ["answers"]
    assert (
        load_promotion_section(
            "version: 1\npromotion:\n  source: {workspace: A}\n  target: {workspace: B}\n",
            source="difyops.yml",
        ).on_smoke_failure
        == "rollback"
    )


def test_the_promotion_manifest_locates_smoke_problems() -> None:
    text = (
        "version: 1\n"
        "promotion:\n"
        "  source: {workspace: A}\n"
        "  target: {workspace: B}\n"
        "  on_smoke_failure: ignore\n"
        "  smoke:\n"
        "    X:\n"
        "      - name: a\n"
        "        output: {k: {matches: '*'}}\n"
        "      - name: a\n"
    )
    with pytest.raises(ManifestError) as refused:
        load_promotion_section(text, source="difyops.yml")
    found = str(refused.value).splitlines()
    assert any(
        p.startswith("difyops.yml:5:3: promotion.on_smoke_failure: Input should be") for p in found
    )
    assert any(
        p.startswith("difyops.yml:9:22: promotion.smoke.X.0.output.k.matches: invalid regular")
        for p in found
    ), found


def test_duplicate_names_in_the_promotion_manifest_are_located() -> None:
    text = (
        "version: 1\n"
        "promotion:\n"
        "  source: {workspace: A}\n"
        "  target: {workspace: B}\n"
        "  smoke:\n"
        "    X:\n"
        "      - name: a\n"
        "      - name: a\n"
    )
    with pytest.raises(ManifestError) as refused:
        load_promotion_section(text, source="difyops.yml")
    assert str(refused.value) == (
        "difyops.yml:8:9: promotion.smoke.X.1.name: a second case named 'a' for 'X' "
        "(first at line 7)"
    )


def test_cases_are_looked_up_by_target_name_then_source_name() -> None:
    one, two = SmokeCase(name="one"), SmokeCase(name="two")
    cases = {"Helpdesk (EU)": [one], "Helpdesk": [two]}
    assert cases_for(cases, "Helpdesk (EU)", "Helpdesk") == [one]
    assert cases_for(cases, "Other", "Helpdesk") == [two]
    assert cases_for(cases, "Other") == []


def test_the_example_smoke_file_loads() -> None:
    path = Path(__file__).resolve().parents[2] / "examples" / "smoke.yml"
    cases = load_smoke_file(path.read_text(encoding="utf-8"), source=str(path))
    assert set(cases) == {"Support Ticket Triage", "Policy Helpdesk"}


@pytest.mark.parametrize(
    "written",
    [{"matches": r"\S"}, {"contains": "refund"}, {"equals": None}, "Done", 3],
)
def test_a_matcher_reads_back_as_it_was_written(written: object) -> None:
    # A saved promotion plan carries its cases; `promote apply --plan` reads them back.
    matcher = Matcher.model_validate(written)
    again = Matcher.model_validate_json(matcher.model_dump_json())
    assert again == matcher and again.kind == matcher.kind


def test_a_case_with_every_kind_of_expectation_round_trips_through_json() -> None:
    case = SmokeCase.model_validate(
        {
            "name": "answers",
            "query": "Hi?",
            "answer": {"matches": r"\S"},
            "output": {"summary": {"contains": "Title"}, "count": 3},
            "max_tokens": 4000,
        }
    )
    assert SmokeCase.model_validate_json(case.model_dump_json()) == case
