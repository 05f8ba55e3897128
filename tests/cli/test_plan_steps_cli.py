"""A long `promote plan` or `members plan` says what it is doing (issue 15, feedback on
long work): without a terminal (under `tee`, in CI), one line per step on stderr; nothing
of it on stdout, and nothing under --json (stderr is kept for the JSON error there)."""

from __future__ import annotations

import json
from pathlib import Path

from dify_client import MAX_PAGE_LIMIT
from tests.support.emulator import DEMO, EmulatorHandle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "members.yml"
FROM_TO = ("--from", "Acme Dev", "--to", "Acme Prod")


def test_promote_plan_names_each_step_on_stderr(invoke, signed_in) -> None:
    result = invoke("promote", "plan", *FROM_TO, "--app", "Policy Helpdesk")
    assert result.exit_code == 0, result.output
    steps = result.stderr.splitlines()
    assert "planning the promotion to Acme Prod…" in steps
    assert "listing the target's apps (Acme Prod)…" in steps
    assert "listing the source's apps (Acme Dev)…" in steps
    exporting = [s for s in steps if s.startswith("exporting ")]
    assert exporting == ["exporting 1 app(s) from Acme Dev and 1 from Acme Prod…"]
    assert "comparing 1 app(s)…" in steps
    # In the order they run, and none of it among the results.
    assert steps.index("listing the target's apps (Acme Prod)…") < steps.index(exporting[0])
    assert steps.index(exporting[0]) < steps.index("comparing 1 app(s)…")
    assert "listing" not in result.stdout and "exporting" not in result.stdout


def test_promote_plan_json_says_nothing_but_the_plan(invoke, signed_in) -> None:
    result = invoke("promote", "plan", *FROM_TO, "--app", "Policy Helpdesk", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kind"] == "promotion"
    assert "listing" not in result.stderr and "exporting" not in result.stderr


def test_promote_apply_says_its_planning_steps_before_the_question(
    invoke, signed_in, tmp_path: Path
) -> None:
    result = invoke("promote", "apply", *FROM_TO, "--app", "Policy Helpdesk", "--auto-approve")
    assert result.exit_code == 0, result.output
    assert "comparing 1 app(s)…" in result.stderr.splitlines()


def test_members_plan_names_each_read_with_its_pages(invoke, signed_in) -> None:
    result = invoke("members", "plan", "-f", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    steps = result.stderr.splitlines()
    assert f"planning the members of {EXAMPLE}…" in steps
    assert any(s.startswith("reading the account on 127.0.0.1:") for s in steps)
    # The seed's 7 members fit one page: the total is known from the first.
    assert "listing the members of Acme Dev: page 1 of 1 read…" in steps
    assert "page 1 of 1" not in result.stdout


def test_members_plan_counts_the_pages_of_a_large_workspace(
    invoke, signed_in, emulator: EmulatorHandle
) -> None:
    emulator.admin.bulk(DEMO.ACME_DEV, members=MAX_PAGE_LIMIT + 50)  # two pages with the seed
    result = invoke("members", "plan", "-f", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    pages = [s for s in result.stderr.splitlines() if s.startswith("listing the members of")]
    assert pages == [
        "listing the members of Acme Dev: page 1 of 2 read…",
        "listing the members of Acme Dev: page 2 of 2 read…",
    ]


def test_members_plan_json_says_nothing_but_the_plan(invoke, signed_in) -> None:
    result = invoke("members", "plan", "-f", str(EXAMPLE), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kind"] == "difyops.members-plan"
    assert "listing" not in result.stderr and "reading the account" not in result.stderr


def test_restore_says_its_steps_too(invoke, signed_in, tmp_path: Path) -> None:
    repo = tmp_path / "backup"
    assert invoke("backup", "run", "--repo", str(repo), "-w", "Acme Prod").exit_code == 0
    shown = invoke(
        "restore", "Policy Helpdesk", "--to", "Acme Prod", "--at", "HEAD", "--repo", str(repo)
    )
    assert shown.exit_code == 0, shown.output
    steps = shown.stderr.splitlines()
    assert "planning the restore of 'Policy Helpdesk' at HEAD…" in steps
    assert "reading the source's apps (git HEAD)…" in steps
    assert "comparing 1 app(s)…" in steps
    assert "comparing" not in shown.stdout


def test_members_apply_says_its_planning_reads(invoke, signed_in) -> None:
    result = invoke("members", "apply", "--auto-approve", "-f", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    steps = result.stderr.splitlines()
    assert "planning the member changes…" in steps
    assert "listing the members of Acme Dev: page 1 of 1 read…" in steps
