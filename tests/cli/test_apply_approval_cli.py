"""`promote apply` and `members apply -f` follow Terraform's contract (issue 15, defect 2):
show the plan, ask for `yes` on a terminal, `--auto-approve` to skip the question, refuse
without a terminal (or with --json) unless `--auto-approve` or `--plan FILE`; a line per
change as it is made; after Ctrl-C, what was made and what was not, exit 130."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

import difyops._confirm
import difyops.commands.promote
from dify_client.resources.workspaces import MembersResource
from difyops.commands._apply_progress import PromotionProgress
from tasks.promotion.apply import ClientTarget
from tests.cli.test_members_cli import EXAMPLE, flat, roles
from tests.flows.promote_support import app_ids_by_name
from tests.support.emulator import DEMO, EmulatorHandle

FROM_TO = ("--from", "Acme Dev", "--to", "Acme Prod")
TWO_NEW = ("--app", "Onboarding Buddy", "--app", "Product Copywriter")  # both `create` in Prod
QUESTION = "Do you want to apply these changes?"


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone at a terminal can answer (the runner's stdin is a pipe)."""
    monkeypatch.setattr(difyops._confirm, "stdin_is_terminal", lambda: True)


def writes(emulator: EmulatorHandle) -> list[str]:
    return [call for call in emulator.admin.stats() if not call.startswith("GET")]


def member_id(emulator: EmulatorHandle, email: str) -> str:
    with emulator.client(emulator.admin.token()) as http:
        rows = http.get(f"/workspaces/{DEMO.ACME_DEV}/members", params={"limit": 200}).json()
    return str(next(m["id"] for m in rows["data"] if m["email"] == email))


def prod_apps(emulator: EmulatorHandle) -> set[str]:
    return set(app_ids_by_name(emulator, DEMO.ACME_PROD))


# promote apply


def test_on_a_terminal_apply_shows_the_plan_and_yes_applies_it(
    invoke, signed_in, emulator: EmulatorHandle, terminal: None
) -> None:
    planned = invoke("promote", "plan", *FROM_TO, *TWO_NEW)
    result = invoke("promote", "apply", *FROM_TO, *TWO_NEW, input="yes\n")
    assert result.exit_code == 0, result.output
    # The same rendering as `promote plan`, before the question.
    assert result.stdout.startswith(planned.stdout)
    assert "+  Onboarding Buddy" in result.stdout and "+  Product Copywriter" in result.stdout
    assert QUESTION in result.stderr and "Only 'yes' will be accepted" in result.stderr
    assert {"Onboarding Buddy", "Product Copywriter"} <= prod_apps(emulator)
    # A line per app as it is done.
    assert "[1/2] create " in result.stderr and "[2/2] create " in result.stderr
    assert "nothing to show" not in result.stderr  # no empty smoke table without cases


@pytest.mark.parametrize("answer", ["no\n", "y\n", "YES please\n", ""])
def test_anything_but_yes_cancels_and_changes_nothing(
    invoke, signed_in, emulator: EmulatorHandle, terminal: None, answer: str
) -> None:
    before = prod_apps(emulator)
    emulator.admin.reset_stats()
    result = invoke("promote", "apply", *FROM_TO, *TWO_NEW, input=answer)
    assert result.exit_code == 130, result.output
    assert QUESTION in result.stderr
    assert "Apply cancelled. Nothing was changed." in result.stderr
    assert writes(emulator) == []
    assert prod_apps(emulator) == before


def test_without_a_terminal_apply_refuses_before_anything_and_names_the_ways_out(
    invoke, signed_in, emulator: EmulatorHandle
) -> None:
    emulator.admin.reset_stats()
    result = invoke("promote", "apply", *FROM_TO, *TWO_NEW)
    assert result.exit_code == 2, result.output
    error, hint = result.stderr.strip().splitlines()
    assert error == (
        "error: apply asks for approval before it changes anything, and there is no "
        "terminal to ask on"
    )
    assert "--auto-approve" in hint and "--plan FILE" in hint
    assert writes(emulator) == []
    assert QUESTION not in result.stderr


def test_json_without_auto_approve_refuses_even_on_a_terminal(
    invoke, signed_in, emulator: EmulatorHandle, terminal: None
) -> None:
    emulator.admin.reset_stats()
    result = invoke("promote", "apply", *FROM_TO, *TWO_NEW, "--json", input="yes\n")
    assert result.exit_code == 2, result.output
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "usage" and "--json" in error["message"]
    assert "--auto-approve" in error["hint"]
    assert result.stdout == "" and writes(emulator) == []


def test_auto_approve_applies_without_asking_and_still_shows_the_plan(
    invoke, signed_in, emulator: EmulatorHandle, terminal: None
) -> None:
    result = invoke("promote", "apply", *FROM_TO, *TWO_NEW, "--auto-approve")
    assert result.exit_code == 0, result.output
    assert QUESTION not in result.stderr
    assert "+  Onboarding Buddy" in result.stdout
    assert {"Onboarding Buddy", "Product Copywriter"} <= prod_apps(emulator)


def test_a_reviewed_plan_file_applies_without_asking(
    invoke, signed_in, emulator: EmulatorHandle, terminal: None, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.json"
    assert invoke("promote", "plan", *FROM_TO, *TWO_NEW, "--out", str(plan)).exit_code == 0
    result = invoke("promote", "apply", "--plan", str(plan))  # no input: a question would fail
    assert result.exit_code == 0, result.output
    assert QUESTION not in result.stderr
    assert {"Onboarding Buddy", "Product Copywriter"} <= prod_apps(emulator)


def test_a_plan_without_changes_asks_nothing(
    invoke, signed_in, emulator: EmulatorHandle, terminal: None
) -> None:
    result = invoke("promote", "apply", *FROM_TO, "--app", "Support Ticket Triage")
    assert result.exit_code == 0, result.output
    assert QUESTION not in result.stderr and "1 unchanged" in result.stdout


def test_ctrl_c_mid_apply_says_what_was_applied_and_what_was_not(
    invoke, signed_in, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (a real SIGINT) while the second of five apps is being imported: that one
    finishes, the three not started never start, and the command lists both."""
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    build = difyops.commands.promote.build_request
    # One app at a time, so which apps had started when Ctrl-C came is certain.
    monkeypatch.setattr(
        difyops.commands.promote,
        "build_request",
        lambda *a, **k: build(*a, **k).model_copy(update={"concurrency": 1}),
    )
    stopping = threading.Event()
    original_stopping = PromotionProgress.stopping

    def note_stopping(self: PromotionProgress) -> None:
        original_stopping(self)
        stopping.set()

    monkeypatch.setattr(PromotionProgress, "stopping", note_stopping)
    original_import = ClientTarget.import_

    def import_(self: ClientTarget, text: str, **kwargs: Any) -> Any:
        if "name: Onboarding Buddy" in text:
            os.kill(os.getpid(), signal.SIGINT)  # as the terminal sends it on Ctrl-C
            assert stopping.wait(30), "the apply did not start cancelling"
        return original_import(self, text, **kwargs)

    monkeypatch.setattr(ClientTarget, "import_", import_)
    result = invoke("promote", "apply", *FROM_TO, "--auto-approve")
    assert result.exit_code == 130, result.output
    stderr = result.stderr
    assert "cancelling: 1 app(s) under way finish first" in stderr
    made = stderr[stderr.index("made:\n") : stderr.index("not made:\n")]
    not_made = stderr[stderr.index("not made:\n") : stderr.index("error: ")]
    assert made.splitlines()[1:] == [
        "  create Market Research Agent: applied",
        "  create Onboarding Buddy: applied",
    ]
    assert not_made.splitlines()[1:] == [
        "  update Policy Helpdesk",
        "  create Product Copywriter",
        "  create Release Notes Digest",
    ]
    assert "error: interrupted: 2 of 5 change(s) made, 0 under way, 3 not made" in stderr
    assert "again to continue" in flat(stderr)
    # What it says is what happened.
    in_prod = prod_apps(emulator)
    assert {"Market Research Agent", "Onboarding Buddy"} <= in_prod
    assert not {"Product Copywriter", "Release Notes Digest"} & in_prod
    # And a rerun continues with exactly the rest.
    rerun = invoke("promote", "plan", *FROM_TO)
    assert "2 unchanged" not in rerun.stdout  # Policy Helpdesk still to update
    assert "+  Market Research Agent" not in rerun.stdout
    assert "+  Product Copywriter" in rerun.stdout


def test_an_interrupt_raised_inside_the_apply_lists_the_app_under_way(
    invoke, signed_in, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KeyboardInterrupt raised from the import call itself (a fault no server produces),
    once the app beside it is done: that one is reported applied, this one under way."""
    first_done = threading.Event()
    original_finished = PromotionProgress.finished

    def finished(self: PromotionProgress, result: Any) -> None:
        original_finished(self, result)
        first_done.set()

    monkeypatch.setattr(PromotionProgress, "finished", finished)
    original_import = ClientTarget.import_

    def import_(self: ClientTarget, text: str, **kwargs: Any) -> Any:
        if "name: Product Copywriter" in text:
            assert first_done.wait(30), "Onboarding Buddy never finished"
            raise KeyboardInterrupt
        return original_import(self, text, **kwargs)

    monkeypatch.setattr(ClientTarget, "import_", import_)
    result = invoke("promote", "apply", *FROM_TO, *TWO_NEW, "--auto-approve", "--json")
    assert result.exit_code == 130, result.output
    error = json.loads(result.stderr.strip().splitlines()[-1])["error"]
    assert error["code"] == "cancelled"
    assert error["made"] == ["create Onboarding Buddy: applied"]
    assert error["under_way"] == ["create Product Copywriter"]
    assert error["not_made"] == []
    assert "Onboarding Buddy" in prod_apps(emulator)
    assert "Product Copywriter" not in prod_apps(emulator)
    assert result.stdout == ""  # no half a result where a script expects JSON


# members apply -f


def test_members_apply_on_a_terminal_shows_the_plan_and_asks(
    invoke, signed_in, emulator: EmulatorHandle, terminal: None
) -> None:
    before = roles(emulator)
    emulator.admin.reset_stats()
    declined = invoke("members", "apply", "-f", str(EXAMPLE), input="no\n")
    assert declined.exit_code == 130, declined.output
    assert "Plan: " in declined.stdout and QUESTION in declined.stderr
    assert "Apply cancelled. Nothing was changed." in declined.stderr
    assert writes(emulator) == [] and roles(emulator) == before

    accepted = invoke("members", "apply", "-f", str(EXAMPLE), input="yes\n")
    assert accepted.exit_code == 0, accepted.output
    assert roles(emulator)["katherine@acme.example"] == ("admin", "active")
    assert "[1/3] Acme Dev: set role of katherine@acme.example as admin: done" in flat(
        accepted.stderr
    )


def test_members_apply_without_a_terminal_refuses_unless_approved(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    emulator.admin.reset_stats()
    refused = invoke("members", "apply", "-f", str(EXAMPLE))
    assert refused.exit_code == 2, refused.output
    assert "no terminal to ask on" in refused.stderr
    assert "--auto-approve" in refused.stderr and "--plan FILE" in refused.stderr
    as_json = invoke("members", "apply", "-f", str(EXAMPLE), "--json")
    assert as_json.exit_code == 2 and json.loads(as_json.stderr)["error"]["code"] == "usage"
    assert writes(emulator) == []

    plan = tmp_path / "plan.json"
    assert invoke("members", "plan", "-f", str(EXAMPLE), "--out", str(plan)).exit_code == 0
    reviewed = invoke("members", "apply", "--plan", str(plan))
    assert reviewed.exit_code == 0, reviewed.output
    assert roles(emulator)["katherine@acme.example"] == ("admin", "active")


def test_members_ctrl_c_lists_the_changes_made_and_not_made(
    invoke, signed_in, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    grace = member_id(emulator, "grace@acme.example")
    original = MembersResource.update_role

    def update_role(self: MembersResource, workspace_id: str, who: str, role: str) -> object:
        if who == grace:  # the second change: Ctrl-C while its call is out
            raise KeyboardInterrupt
        return original(self, workspace_id, who, role)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(MembersResource, "update_role", update_role)
        interrupted = invoke("members", "apply", "-f", str(EXAMPLE), "--auto-approve")
    assert interrupted.exit_code == 130, interrupted.output
    stderr = interrupted.stderr
    assert stderr[stderr.index("made:\n") :].splitlines()[:7] == [
        "made:",
        "  Acme Dev: set role of katherine@acme.example as admin: done",
        "under way when interrupted (its call may or may not have reached Dify: the next "
        "plan shows it):",
        "  Acme Dev: set role of grace@acme.example as normal",
        "not made:",
        "  Acme Dev: invite hedy@acme.example as normal",
        "error: interrupted: 1 of 3 change(s) made, 1 under way, 1 not made",
    ]
    assert roles(emulator)["katherine@acme.example"] == ("admin", "active")
    assert "hedy@acme.example" not in roles(emulator)
    rerun = invoke("members", "apply", "-f", str(EXAMPLE), "--auto-approve")
    assert rerun.exit_code == 0, rerun.output
    assert "hedy@acme.example" in roles(emulator)
