"""`difyops apps run|events|stop|upload|form` against the emulator over real HTTP.

The emulator runs the published workflow with scripted node replies, so every run here
is a real one. Only Ctrl-C is simulated: CliRunner runs the command in this process, so
the test raises KeyboardInterrupt from the view (where a terminal's SIGINT would land)
instead of signalling itself; the run and the stop request still go to the emulator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dify_client import DifyClient
from difyops.commands._run_view import RunView
from tests.cli.conftest import Invoke
from tests.support.emulator import EmulatorHandle
from tests.support.runs import (
    BUDDY,
    HELPDESK,
    TRIAGE,
    file_input_dsl,
    human_input_dsl,
    import_published,
)

TICKET_INPUTS = ("--input", "subject=Refund", "--input", 'body:="charged twice"')


@pytest.fixture
def dify(emulator: EmulatorHandle, signed_in: str) -> Iterator[DifyClient]:
    client = DifyClient(emulator.base_url, signed_in)
    yield client
    client.close()


@pytest.fixture
def scripted(emulator: EmulatorHandle) -> None:
    # A real wait, kept short: the node's time on the trail must show it.
    emulator.admin.script(app_id=TRIAGE, node="Classify ticket", text="Hello cats", delay_s=0.2)


def ndjson(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_run_streams_the_answer_and_the_trail_and_exits_0(
    invoke: Invoke, signed_in: str, scripted: None
) -> None:
    result = invoke("apps", "run", TRIAGE, *TICKET_INPUTS)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Hello cats\n")
    assert '"classification": "Hello cats"' in result.stdout  # outputs follow the text
    timed = re.search(r"(\d+\.\d\d) s\s+Classify ticket \(llm\)", result.stderr)
    assert timed and float(timed.group(1)) >= 0.2, result.stderr
    assert "succeeded" in result.stderr


def test_run_json_is_ndjson_of_the_events_without_pings(
    invoke: Invoke, signed_in: str, scripted: None
) -> None:
    result = invoke(
        "apps", "run", "Support Ticket Triage", "-w", "Acme Dev", *TICKET_INPUTS, "--json"
    )
    assert result.exit_code == 0, result.stderr
    events = ndjson(result.stdout)
    names = [e["event"] for e in events]
    assert names[0] == "workflow_started" and names[-1] == "workflow_finished"
    assert "ping" not in names and "node_started" in names
    assert len({e["task_id"] for e in events}) == 1
    # NAME=TEXT is a string, NAME:=JSON is parsed: both reach the run as sent.
    started_inputs = events[0]["data"]["inputs"]  # the run's inputs, with Dify's sys.* beside
    assert {k: v for k, v in started_inputs.items() if not k.startswith("sys.")} == {
        "subject": "Refund",
        "body": "charged twice",
    }
    assert started_inputs["sys.app_id"] == TRIAGE
    assert events[-1]["data"]["outputs"]["classification"] == "Hello cats"


def test_a_scripted_failure_exits_1_and_ends_the_ndjson_with_the_error(
    invoke: Invoke, signed_in: str, emulator: EmulatorHandle
) -> None:
    emulator.admin.script(app_id=TRIAGE, node="Classify ticket", error="quota exhausted")
    shown = invoke("apps", "run", TRIAGE, *TICKET_INPUTS)
    assert shown.exit_code == 1 and "quota exhausted" in shown.stderr
    result = invoke("apps", "run", TRIAGE, *TICKET_INPUTS, "--json")
    assert result.exit_code == 1
    # A workflow run ends failed at `workflow_finished` (no `error` event, as in Dify).
    last = ndjson(result.stdout)[-1]
    assert last["event"] == "workflow_finished" and last["data"]["status"] == "failed"
    assert "quota exhausted" in last["data"]["error"]
    assert "quota exhausted" in json.loads(result.stderr)["error"]["message"]


def test_a_chat_app_needs_a_query_before_anything_runs(
    invoke: Invoke, signed_in: str, emulator: EmulatorHandle
) -> None:
    result = invoke("apps", "run", BUDDY)
    assert result.exit_code == 2 and "needs a query" in result.stderr
    assert "--query" in result.stderr  # the hint
    assert emulator.route("run.app", "chat") not in emulator.admin.stats()


def test_a_chat_app_streams_its_answer(
    invoke: Invoke, signed_in: str, emulator: EmulatorHandle
) -> None:
    emulator.admin.script(app_id=BUDDY, text="The canteen is on floor 2.")
    result = invoke("apps", "run", BUDDY, "--query", "Where is the canteen?")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("The canteen is on floor 2.")


def test_file_inputs_are_uploaded_first(
    invoke: Invoke, dify: DifyClient, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    app_id = import_published(dify, emulator, file_input_dsl())
    document = tmp_path / "contract.pdf"
    document.write_bytes(b"%PDF-1.7")
    emulator.admin.reset_stats()
    result = invoke("apps", "run", app_id, "--file", f"doc={document}", "--json")
    assert result.exit_code == 0, result.stderr
    stats = emulator.admin.stats()
    assert (
        stats[emulator.route("upload.console_app.file")] == 1
        and stats[emulator.route("run.app")] == 1
    )
    started = ndjson(result.stdout)[0]["data"]["inputs"]["doc"]
    assert started == {
        "type": "document",
        "transfer_method": "local_file",
        "upload_file_id": started["upload_file_id"],
    }
    assert re.fullmatch(r"[0-9a-f-]{36}", started["upload_file_id"])


def test_ctrl_c_stops_the_run_and_exits_130(
    invoke: Invoke, signed_in: str, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = RunView.event

    def interrupt(self: Any, event: Any) -> None:
        original(self, event)
        if event.event == "node_started":
            raise KeyboardInterrupt

    monkeypatch.setattr(RunView, "event", interrupt)
    result = invoke("apps", "run", TRIAGE, *TICKET_INPUTS)
    assert result.exit_code == 130
    assert emulator.admin.stats()[emulator.route("stop.run")] == 1


def test_a_paused_run_is_answered_through_form_show_submit_and_events(
    invoke: Invoke, dify: DifyClient, emulator: EmulatorHandle
) -> None:
    app_id = import_published(dify, emulator, human_input_dsl())
    paused = invoke("apps", "run", app_id, "--input", "subject=a refund")
    assert paused.exit_code == 1
    found = re.search(rf"difyops apps form submit {app_id} (\S+)", paused.stderr)
    assert found, paused.stderr
    token = found.group(1)
    run_id = _run_id(paused.stderr)

    shown = invoke("apps", "form", "show", app_id, token)
    assert shown.exit_code == 0 and "Review a refund" in shown.stdout
    assert "approve" in shown.stdout and "reject" in shown.stdout
    submitted = invoke(
        "apps", "form", "submit", app_id, token, "--action", "approve", "--input", "note=ok"
    )
    assert submitted.exit_code == 0, submitted.stderr

    followed = invoke("apps", "events", app_id, run_id, "--continue-on-pause", "--json")
    assert followed.exit_code == 0, followed.stderr
    last = ndjson(followed.stdout)[-1]
    assert last["event"] == "workflow_finished" and last["data"]["outputs"] == {"note": "ok"}


def test_stop_and_upload(
    invoke: Invoke, signed_in: str, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    stopped = invoke("apps", "stop", TRIAGE, "task-1", "--json")
    assert json.loads(stopped.stdout) == {"result": "success", "task_id": "task-1"}
    assert emulator.admin.stats()[emulator.route("stop.run")] == 1

    document = tmp_path / "a.pdf"
    document.write_bytes(b"%PDF-")
    uploaded = invoke("apps", "upload", TRIAGE, str(document))
    assert uploaded.exit_code == 0, uploaded.stderr
    file_id = uploaded.stdout.strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", file_id)
    record = json.loads(invoke("apps", "upload", TRIAGE, str(document), "--json").stdout)
    assert record["name"] == "a.pdf" and record["id"] != file_id


def _run_id(stderr: str) -> str:
    found = re.search(r"run ([0-9a-f-]{36}) started", stderr)
    assert found, stderr
    return found.group(1)


def test_a_chatflow_resumed_after_it_finished_still_prints_its_whole_answer(
    invoke: Invoke, signed_in: str, emulator: EmulatorHandle
) -> None:
    emulator.admin.publish(HELPDESK)
    emulator.admin.script(app_id=HELPDESK, node="Answer from policy", text="Ten days a year.")
    whole = invoke("apps", "run", HELPDESK, "--query", "Days off?")
    assert whole.exit_code == 0 and whole.stdout == "Ten days a year.\n"
    emulator.admin.fault(
        "stream_drop", route=emulator.route("run.app", "advanced-chat"), after_events=3, times=1
    )
    resumed = invoke("apps", "run", HELPDESK, "--query", "Days off?")
    assert resumed.exit_code == 0, resumed.stderr
    assert resumed.stdout == whole.stdout


def test_a_chat_conversation_continues_with_conversation(invoke: Invoke, signed_in: str) -> None:
    first = ndjson(invoke("apps", "run", BUDDY, "--query", "hi", "--json").stdout)
    conversation = first[-1]["conversation_id"]
    again = invoke("apps", "run", BUDDY, "--query", "again", "--conversation", conversation)
    assert again.exit_code == 0 and f"conversation {conversation}" in again.stderr
