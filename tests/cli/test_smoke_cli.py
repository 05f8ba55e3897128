"""`difyops smoke run` and `promote … --smoke` through the CLI, against the emulator.

Workspaces, apps and the runs themselves come from the emulator over real HTTP: Prod's
Policy Helpdesk (a chatflow) is published first, as a smoke run exercises the published
version, and its LLM node's reply is scripted through the operator API for the case's
query, so a passing case proves the run reached that app with that query.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.flows.promote_support import PROD_HELPDESK, export
from tests.support.emulator import EmulatorHandle

FROM_TO = ("--from", "Acme Dev", "--to", "Acme Prod")
QUERY = "How do I get a refund?"
SMOKE = f"""\
version: 1
smoke:
  Policy Helpdesk:
    - name: answers refunds
      query: {QUERY}
      answer: {{contains: refund}}
"""


def reply(emulator: EmulatorHandle, text: str, *, query: str = QUERY) -> None:
    """Prod's Policy Helpdesk answers `text` to `query` (its LLM node, scripted)."""
    emulator.admin.script(
        app_id=PROD_HELPDESK, node="Answer from policy", prompt_contains=query, text=text
    )


@pytest.fixture
def published(emulator: EmulatorHandle) -> EmulatorHandle:
    """Prod's helpdesk published and answering the refund question well."""
    emulator.admin.publish(PROD_HELPDESK)
    reply(emulator, "Ask for a refund within 30 days.")
    emulator.admin.reset_stats()
    return emulator


def runs(emulator: EmulatorHandle) -> int:
    return emulator.admin.stats().get(emulator.route("run.app", "advanced-chat"), 0)


def smoke_file(tmp_path: Path, text: str = SMOKE) -> str:
    path = tmp_path / "smoke.yml"
    path.write_text(text)
    return str(path)


def test_smoke_run_passes_and_says_which_version_it_ran(
    invoke, signed_in, published: EmulatorHandle, tmp_path: Path
) -> None:
    result = invoke("smoke", "run", "-w", "Acme Prod", "--smoke", smoke_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert "answers refunds" in result.stdout and "passed" in result.stdout
    assert "Policy Helpdesk: smoke cases ran against the published version" in result.stderr
    assert runs(published) == 1


def test_a_failed_case_exits_1_and_says_what_it_expected(
    invoke, signed_in, published: EmulatorHandle, tmp_path: Path
) -> None:
    reply(published, "I cannot help with that.")
    result = invoke("smoke", "run", "-w", "Acme Prod", "--smoke", smoke_file(tmp_path))
    assert result.exit_code == 1
    assert "FAILED" in result.stdout
    assert "answer: expected to contain 'refund', got 'I cannot help with that.'" in result.stdout
    assert "error: smoke check failed: 0 of 1 smoke cases passed" in result.stderr


def test_json_output_has_every_case(
    invoke, signed_in, published: EmulatorHandle, tmp_path: Path
) -> None:
    result = invoke("smoke", "run", "-w", "Acme Prod", "--smoke", smoke_file(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    report = body["reports"][0]
    assert report["app"] == "Policy Helpdesk" and report["app_id"] == PROD_HELPDESK
    assert report["cases"][0]["name"] == "answers refunds" and report["cases"][0]["passed"]
    assert "published version" in report["note"]


def test_an_app_the_workspace_lacks_fails_the_check(
    invoke, signed_in, published: EmulatorHandle, tmp_path: Path
) -> None:
    text = SMOKE + "  No Such App:\n    - name: runs\n"
    result = invoke("smoke", "run", "-w", "Acme Prod", "--smoke", smoke_file(tmp_path, text))
    assert result.exit_code == 1
    assert "No Such App: not run: the workspace has no app of this name" in result.stderr


def test_app_narrows_the_cases_and_a_manifest_names_the_workspace(
    invoke, signed_in, published: EmulatorHandle, tmp_path: Path
) -> None:
    manifest = tmp_path / "difyops.yml"
    manifest.write_text(
        "version: 1\n"
        "promotion:\n"
        "  source: {workspace: Acme Dev}\n"
        "  target: {workspace: Acme Prod}\n"
        "  smoke:\n"
        "    Policy Helpdesk:\n"
        "      - name: runs\n"
        f"        query: {QUERY}\n"
        "    Support Ticket Triage:\n"
        "      - name: runs too\n"
    )
    result = invoke("smoke", "run", "-f", str(manifest), "--app", "Policy Helpdesk")
    assert result.exit_code == 0, result.output
    # Prod's triage was never published: had its case run, it would have failed.
    assert runs(published) == 1


def test_smoke_file_errors_point_at_the_line(invoke, signed_in, tmp_path: Path) -> None:
    path = smoke_file(tmp_path, "version: 1\nsmoke:\n  A:\n    - name: x\n      answr: hi\n")
    result = invoke("smoke", "run", "-w", "Acme Prod", "--smoke", path)
    assert result.exit_code == 1
    assert f"{path}:5:7: smoke.A.0.answr: unknown key" in result.stderr


def test_smoke_run_needs_exactly_one_source_of_cases(invoke, tmp_path: Path) -> None:
    assert invoke("smoke", "run", "-w", "Acme Prod").exit_code == 2
    path = smoke_file(tmp_path)
    both = invoke("smoke", "run", "-w", "W", "--smoke", path, "-f", path)
    assert both.exit_code == 2 and "one of them" in both.stderr


# What a promotion's smoke cases exercise: on S2 the version live before the import; on
# S3 the imported draft, through draft test runs.
DRAFT_TESTED = "smoke cases ran as draft test runs of the imported version"


def test_promote_plan_lists_smoke_cases_and_what_they_will_exercise(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    result = invoke(
        "promote", "plan", *FROM_TO, "--app", "Policy Helpdesk", "--smoke", smoke_file(tmp_path)
    )
    assert result.exit_code == 0, result.output
    exercised = (
        "will be imported as draft; publish it in Dify to go live; smoke cases will run "
        "against the published version, not the imported one"
        if emulator.generation == "s2"
        else "smoke cases will run as draft test runs of the imported version"
    )
    assert (
        f"smoke: Policy Helpdesk: 1 case(s) (answers refunds); on failure: rollback; {exercised}"
    ) in " ".join(result.stdout.split())  # the console folds long lines


def test_promote_apply_rolls_back_an_app_whose_smoke_cases_fail(
    invoke, signed_in, published: EmulatorHandle, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    before = export(emulator, PROD_HELPDESK, include_secret=True)
    reply(emulator, "no idea")
    result = invoke(
        "promote",
        "apply",
        "--auto-approve",
        *FROM_TO,
        "--app",
        "Policy Helpdesk",
        "--smoke",
        smoke_file(tmp_path),
    )
    assert result.exit_code == 1
    assert "rolled back" in result.stdout
    assert export(emulator, PROD_HELPDESK, include_secret=True) == before


def test_promote_apply_under_report_keeps_the_import_and_still_exits_1(
    invoke, signed_in, published: EmulatorHandle, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    before = export(emulator, PROD_HELPDESK, include_secret=True)
    reply(emulator, "no idea")
    result = invoke(
        "promote",
        "apply",
        "--auto-approve",
        *FROM_TO,
        "--app",
        "Policy Helpdesk",
        "--smoke",
        smoke_file(tmp_path),
        "--on-smoke-failure",
        "report",
        "--json",
    )
    assert result.exit_code == 1
    app = json.loads(result.stdout)["result"]["apps"][0]
    assert app["outcome"] == "applied" and app["smoke"]["cases"][0]["passed"] is False
    if emulator.generation == "s2":
        assert "smoke cases ran against the published version" in app["message"]
    else:
        assert DRAFT_TESTED in app["message"]
        # Kept as the draft, never published: its smoke cases failed.
        assert "not published" in app["message"] and app["published_version"] is None
    assert export(emulator, PROD_HELPDESK, include_secret=True) != before


def test_promote_apply_passing_smoke_says_the_published_version_ran(
    invoke, signed_in, published: EmulatorHandle, tmp_path: Path
) -> None:
    result = invoke(
        "promote",
        "apply",
        "--auto-approve",
        *FROM_TO,
        "--app",
        "Policy Helpdesk",
        "--smoke",
        smoke_file(tmp_path),
    )
    assert result.exit_code == 0, result.output
    if published.generation == "s2":
        assert (
            "Policy Helpdesk: imported as draft; publish it in Dify to go live; smoke cases ran "
            "against the published version"
        ) in result.stderr
    else:
        assert f"Policy Helpdesk: {DRAFT_TESTED}" in result.stderr
        assert "published as version" in " ".join(result.stdout.split())


def test_a_bad_smoke_policy_and_smoke_beside_a_plan_file_are_usage_errors(
    invoke, tmp_path: Path
) -> None:
    bad = invoke("promote", "plan", *FROM_TO, "--on-smoke-failure", "ignore")
    assert bad.exit_code == 2 and "rollback or report" in bad.stderr
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    clash = invoke("promote", "apply", "--plan", str(plan), "--smoke", smoke_file(tmp_path))
    assert clash.exit_code == 2 and "--smoke" in clash.stderr


TRIAGE_SMOKE = """\
version: 1
smoke:
  Support Ticket Triage:
    - name: files a billing ticket
      inputs: {subject: Refund, body: charged twice}
      outputs_present: [classification, ticket_status]
      output:
        classification: {contains: billing}
        ticket_status: 200
      max_tokens: 2000
      max_elapsed_s: 5
    - name: wrong status
      inputs: {subject: Refund, body: charged twice}
      output:
        ticket_status: 201
"""


def test_workflow_cases_check_outputs_of_a_real_run(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    triage = "a0000000-0000-4000-8000-000000000101"  # Dev's, published in the seed
    emulator.admin.script(app_id=triage, node="Classify ticket", text='{"category": "billing"}')
    path = smoke_file(tmp_path, TRIAGE_SMOKE)
    result = invoke("smoke", "run", "-w", "Acme Dev", "--smoke", path, "--json")
    assert result.exit_code == 1
    cases = json.loads(result.stdout)["reports"][0]["cases"]
    assert [(c["name"], c["passed"]) for c in cases] == [
        ("files a billing ticket", True),
        ("wrong status", False),
    ]
    assert "output 'ticket_status': expected to equal 201, got 200" in json.dumps(cases[1])
