"""`difyops apps run|events|stop|upload|form` on a MockTransport-backed client.

The emulator has no run endpoints yet; once it does, these become emulator tests (see the
module's report). The client is swapped in where the commands open theirs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from dify_client import DifyClient, RetryPolicy
from dify_client.testing import FakeClock
from difyops.commands import runs as runs_commands
from tests.cli.conftest import Invoke

APP = "3f8e3c1e-0000-4000-8000-000000000001"
RUN = "9d2b0a4c-0000-4000-8000-0000000000aa"
TASK = "task-1"


def frame(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


def wf(event: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"event": event, "task_id": TASK, "workflow_run_id": RUN, "data": data}


NODE = {"id": "e1", "node_id": "llm", "node_type": "llm", "title": "Write"}
WORKFLOW_EVENTS = [
    wf("workflow_started", {"id": RUN}),
    wf("node_started", NODE),
    wf("text_chunk", {"text": "Hello "}),
    wf("text_chunk", {"text": "cats"}),
    wf("node_finished", {**NODE, "status": "succeeded", "elapsed_time": 1.25}),
    wf(
        "workflow_finished",
        {
            "id": RUN,
            "status": "succeeded",
            "outputs": {"text": "Hello cats"},
            "elapsed_time": 1.5,
            "total_tokens": 9,
        },
    ),
]


def event_stream(events: list[dict[str, Any]], *, tail: bytes = b"") -> httpx.Response:
    body = b"event: ping\n\n" + b"".join(frame(e) for e in events) + tail
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


class FakeServer:
    """Answers by route; records every request."""

    def __init__(self, mode: str, run: Callable[[httpx.Request], httpx.Response]) -> None:
        self.mode = mode
        self.run = run
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/openapi/v1")
        if path.endswith("/describe"):
            info = {"id": APP, "name": "Cats", "mode": self.mode, "service_api_enabled": True}
            return httpx.Response(200, json={"info": info})
        if path.endswith("/run"):
            return self.run(request)
        if path.endswith("/stop"):
            return httpx.Response(200, json={"result": "success"})
        if path.endswith("/files/upload"):
            return httpx.Response(
                201,
                json={
                    "id": "file-1",
                    "name": "a.pdf",
                    "extension": "pdf",
                    "mime_type": "application/pdf",
                },
            )
        if path.endswith("/events"):
            return event_stream(WORKFLOW_EVENTS[-1:])
        if "/form/human_input/" in path and request.method == "GET":
            return httpx.Response(
                200,
                json={
                    "form_content": "Approve?",
                    "inputs": [],
                    "resolved_default_values": {},
                    "user_actions": [{"id": "approve", "title": "Approve"}],
                    "expiration_time": 1,
                },
            )
        if "/form/human_input/" in path:
            return httpx.Response(200, json={})
        return httpx.Response(404, json={"code": "not_found", "message": "no", "status": 404})

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path.removeprefix('/openapi/v1')}" for r in self.requests]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeServer]:
    def make(mode: str = "workflow", run: Any = None) -> FakeServer:
        fake = FakeServer(mode, run or (lambda _: event_stream(WORKFLOW_EVENTS)))

        @contextmanager
        def open_client(profile: str | None = None) -> Iterator[tuple[Any, DifyClient]]:
            client = DifyClient(
                "https://dify.test",
                token="dfoa_" + "T" * 43,
                transport=httpx.MockTransport(fake),
                clock=FakeClock(),
                retry=RetryPolicy(max_retries=1, jitter=0.0),
            )
            with client:
                yield None, client

        monkeypatch.setattr(runs_commands, "open_client", open_client)
        return fake

    return make


def test_run_streams_the_answer_and_the_trail_and_exits_0(invoke: Invoke, server) -> None:
    fake = server()
    result = invoke("apps", "run", APP, "--input", "topic=cats", "--input", "count:=3")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Hello cats\n")
    assert '"text": "Hello cats"' in result.stdout  # the outputs follow the streamed text
    assert "Write" in result.stderr and "1.25 s" in result.stderr
    assert "succeeded" in result.stderr
    run = next(r for r in fake.requests if r.url.path.endswith("/run"))
    assert json.loads(run.content) == {"inputs": {"topic": "cats", "count": 3}}


def test_run_json_is_ndjson_of_the_events_without_pings(invoke: Invoke, server) -> None:
    server()
    result = invoke("apps", "run", APP, "--json")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == WORKFLOW_EVENTS


def test_a_failed_run_exits_1(invoke: Invoke, server) -> None:
    failed = wf("workflow_finished", {"id": RUN, "status": "failed", "error": "quota"})
    server(run=lambda _: event_stream([WORKFLOW_EVENTS[0], failed]))
    result = invoke("apps", "run", APP)
    assert result.exit_code == 1 and "quota" in result.stderr


def test_an_error_event_exits_1_and_ends_the_ndjson(invoke: Invoke, server) -> None:
    error = {"event": "error", "task_id": TASK, "status": 400, "code": "x", "message": "boom"}
    server(run=lambda _: event_stream([WORKFLOW_EVENTS[0], error]))
    result = invoke("apps", "run", APP, "--json")
    assert result.exit_code == 1
    last = json.loads(result.stdout.splitlines()[-1])
    assert (last["event"], last["code"], last["message"]) == ("error", "x", "boom")
    assert json.loads(result.stderr)["error"]["message"].endswith("boom")


def test_a_chat_app_needs_a_query_before_anything_runs(invoke: Invoke, server) -> None:
    fake = server(mode="chat")
    result = invoke("apps", "run", APP)
    assert result.exit_code == 2 and "needs a query" in result.stderr
    assert "--query" in result.stderr  # the hint
    assert not any(p.endswith("/run") for p in fake.paths())


def test_file_inputs_are_uploaded_first(invoke: Invoke, server, tmp_path: Path) -> None:
    fake = server()
    document = tmp_path / "a.pdf"
    document.write_bytes(b"%PDF-")
    result = invoke("apps", "run", APP, "--file", f"doc={document}")
    assert result.exit_code == 0, result.stderr
    assert [p.split()[0] + " " + p.split("/")[-1] for p in fake.paths()] == [
        "GET describe",
        "POST upload",
        "POST run",
    ]
    run = fake.requests[-1]
    assert json.loads(run.content)["inputs"]["doc"] == {
        "type": "document",
        "transfer_method": "local_file",
        "upload_file_id": "file-1",
    }


def test_ctrl_c_stops_the_run_and_exits_130(
    invoke: Invoke, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = server()
    original = runs_commands.RunView.event

    def interrupt(self: Any, event: Any) -> None:
        original(self, event)
        if event.event == "node_started":
            raise KeyboardInterrupt

    monkeypatch.setattr(runs_commands.RunView, "event", interrupt)
    result = invoke("apps", "run", APP)
    assert result.exit_code == 130
    assert f"POST /apps/{APP}/tasks/{TASK}/stop" in fake.paths()


def test_events_stop_upload_and_forms(invoke: Invoke, server, tmp_path: Path) -> None:
    fake = server()
    assert invoke("apps", "events", APP, RUN).exit_code == 0
    assert f"GET /apps/{APP}/tasks/{RUN}/events" in fake.paths()

    stopped = invoke("apps", "stop", APP, TASK, "--json")
    assert json.loads(stopped.stdout) == {"result": "success", "task_id": TASK}

    document = tmp_path / "a.pdf"
    document.write_bytes(b"%PDF-")
    uploaded = invoke("apps", "upload", APP, str(document))
    assert uploaded.exit_code == 0 and uploaded.stdout.strip() == "file-1"

    shown = invoke("apps", "form", "show", APP, "FT-1")
    assert shown.exit_code == 0 and "Approve?" in shown.stdout and "approve" in shown.stdout
    submitted = invoke(
        "apps", "form", "submit", APP, "FT-1", "--action", "approve", "--input", "comment=ok"
    )
    assert submitted.exit_code == 0
    assert json.loads(fake.requests[-1].content) == {
        "inputs": {"comment": "ok"},
        "action": "approve",
    }


def test_a_paused_run_says_how_to_answer_the_form_and_exits_1(invoke: Invoke, server) -> None:
    form = wf("human_input_required", {"form_token": "FT-9", "node_title": "Review"})
    paused = wf("workflow_paused", {"paused_nodes": ["h"]})
    server(run=lambda _: event_stream([WORKFLOW_EVENTS[0], form, paused]))
    result = invoke("apps", "run", APP)
    assert result.exit_code == 1
    assert f"difyops apps form submit {APP} FT-9" in result.stderr
