"""Runs over a MockTransport: SSE parsing, per-mode checks, stream errors, resume, result."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dify_client import (
    BadRequestError,
    DifyConnectionError,
    NotFoundError,
    RateLimitError,
    ResponseValidationError,
    RunFailed,
    RunRequestError,
    ServerError,
)
from dify_client.models import (
    ErrorEvent,
    MessageEnd,
    MessageEvent,
    NodeFinished,
    NodeStarted,
    Ping,
    RunEvent,
    TextChunk,
    WorkflowFinished,
    WorkflowStarted,
    parse_event,
)
from tests.dify_client.conftest import error_body

APP = "3f8e3c1e-0000-4000-8000-000000000001"
RUN = "9d2b0a4c-0000-4000-8000-0000000000aa"
TASK = "task-1"
CONVERSATION = "5b1f9c2e-0000-4000-8000-0000000000cc"


def frame(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


PING = b"event: ping\n\n"


def wf(event: str, data: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"event": event, "task_id": TASK, "workflow_run_id": RUN, **extra}
    if data is not None:
        payload["data"] = data
    return payload


STARTED = wf("workflow_started", {"id": RUN, "workflow_id": "wf-1", "inputs": {}})
NODE_A_START = wf(
    "node_started", {"id": "exec-a", "node_id": "start", "node_type": "start", "title": "Start"}
)
NODE_A_END = wf(
    "node_finished",
    {
        "id": "exec-a",
        "node_id": "start",
        "node_type": "start",
        "title": "Start",
        "status": "succeeded",
        "elapsed_time": 0.25,
    },
)
NODE_B_START = wf(
    "node_started", {"id": "exec-b", "node_id": "llm", "node_type": "llm", "title": "LLM"}
)
NODE_B_END = wf(
    "node_finished",
    {
        "id": "exec-b",
        "node_id": "llm",
        "node_type": "llm",
        "title": "LLM",
        "status": "succeeded",
        "elapsed_time": 1.5,
    },
)
FINISHED = wf(
    "workflow_finished",
    {
        "id": RUN,
        "status": "succeeded",
        "outputs": {"answer": "hello world"},
        "error": None,
        "elapsed_time": 2.0,
        "total_tokens": 42,
        "total_steps": 2,
    },
)


def chunk(text: str) -> dict[str, Any]:
    return wf("text_chunk", {"text": text})


class Broken(httpx.SyncByteStream):
    """A body that sends some bytes, then breaks as a dropped connection does."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        yield self.body
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


def sse(*frames: dict[str, Any] | bytes, broken: bool = False, status: int = 200) -> httpx.Response:
    body = b"".join(f if isinstance(f, bytes) else frame(f) for f in frames)
    headers = {"content-type": "text/event-stream"}
    if broken:
        return httpx.Response(status, headers=headers, stream=Broken(body))
    return httpx.Response(status, headers=headers, content=body)


def body_of(request: httpx.Request) -> dict[str, Any]:
    return json.loads(request.content)  # type: ignore[no-any-return]


# --- event parsing -------------------------------------------------------------------


def test_events_parse_into_their_types_and_keep_the_raw_payload(make_client) -> None:
    client, recorder = make_client(
        sse(STARTED, NODE_A_START, PING, NODE_A_END, chunk("hi"), FINISHED)
    )
    with client.runs.stream(APP, inputs={"x": 1}) as stream:
        events = list(stream)
    assert [type(e) for e in events] == [
        WorkflowStarted,
        NodeStarted,
        Ping,
        NodeFinished,
        TextChunk,
        WorkflowFinished,
    ]
    assert events[0].raw == STARTED and events[0].workflow_run_id == RUN
    assert isinstance(events[1], NodeStarted) and events[1].node_id == "start"
    assert isinstance(events[4], TextChunk) and events[4].text == "hi"
    request = recorder.requests[0]
    assert request.method == "POST" and request.url.path == f"/openapi/v1/apps/{APP}/run"
    assert body_of(request) == {"inputs": {"x": 1}}


def test_unknown_event_names_come_through_as_plain_events() -> None:
    event = parse_event({"event": "brand_new_thing", "task_id": "t", "data": {"k": 1}, "zz": 2})
    assert type(event) is RunEvent
    assert event.event == "brand_new_thing" and event.field("k") == 1
    assert event.raw["zz"] == 2


def test_a_known_event_with_odd_fields_degrades_to_a_plain_event() -> None:
    event = parse_event({"event": "error", "status": "not a number", "message": "boom"})
    assert type(event) is RunEvent and event.event == "error"


def test_chat_message_events_and_message_end() -> None:
    message = parse_event(
        {"event": "message", "task_id": "t", "id": "m1", "message_id": "m1", "answer": "Hi"}
    )
    assert isinstance(message, MessageEvent) and message.answer == "Hi"
    end = parse_event({"event": "message_end", "id": "m1", "metadata": {"usage": {"x": 1}}})
    assert isinstance(end, MessageEnd) and end.metadata == {"usage": {"x": 1}}


def test_event_repr_does_not_show_payloads() -> None:
    event = parse_event(
        {"event": "human_input_required", "task_id": "t", "data": {"form_token": "SECRET"}}
    )
    assert "SECRET" not in repr(event)


def test_a_non_json_event_is_a_response_validation_error(make_client) -> None:
    client, _ = make_client(sse(b"data: not json\n\n"))
    with client.runs.stream(APP, inputs={}) as stream, pytest.raises(ResponseValidationError):
        list(stream)


def test_a_2xx_that_is_not_an_event_stream_is_refused(make_client) -> None:
    client, _ = make_client(httpx.Response(200, json={"hello": "json"}))
    with pytest.raises(ResponseValidationError, match="event stream"):
        client.runs.stream(APP, inputs={})


# --- per-mode request rules ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["chat", "agent-chat", "advanced-chat"])
@pytest.mark.parametrize("query", [None, "", "   "])
def test_chat_modes_need_a_query_before_anything_is_sent(make_client, mode, query) -> None:
    client, recorder = make_client(sse(FINISHED))
    with pytest.raises(RunRequestError) as caught:
        client.runs.stream(APP, inputs={}, query=query, mode=mode)
    assert caught.value.code == "query_required_for_chat"
    assert recorder.requests == []


@pytest.mark.parametrize("query", ["", "hello"])
def test_workflow_refuses_any_query_even_empty(make_client, query) -> None:
    client, recorder = make_client(sse(FINISHED))
    with pytest.raises(RunRequestError) as caught:
        client.runs.stream(APP, inputs={}, query=query, mode="workflow")
    assert caught.value.code == "query_not_supported_for_workflow"
    assert recorder.requests == []


def test_workflow_drops_the_conversation(make_client) -> None:
    client, recorder = make_client(sse(STARTED, FINISHED))
    client.runs.run(APP, inputs={"a": "b"}, conversation_id=CONVERSATION, mode="workflow")
    assert body_of(recorder.requests[0]) == {"inputs": {"a": "b"}}


def test_completion_sends_an_empty_query_and_no_generated_name(make_client) -> None:
    client, recorder = make_client(sse({"event": "message_end", "task_id": TASK, "id": "m"}))
    client.runs.run(APP, inputs={"topic": "x"}, mode="completion")
    assert body_of(recorder.requests[0]) == {
        "inputs": {"topic": "x"},
        "query": "",
        "auto_generate_name": False,
    }


def test_modes_that_do_not_run_are_refused(make_client) -> None:
    client, recorder = make_client(sse(FINISHED))
    with pytest.raises(RunRequestError) as caught:
        client.runs.stream(APP, inputs={}, mode="rag-pipeline")
    assert caught.value.code == "mode_not_runnable" and recorder.requests == []


def test_conversation_id_must_be_a_uuid_and_blank_means_none(make_client) -> None:
    client, recorder = make_client(sse({"event": "message_end", "task_id": TASK, "id": "m"}))
    with pytest.raises(RunRequestError) as caught:
        client.runs.stream(APP, inputs={}, query="hi", conversation_id="nope", mode="chat")
    assert caught.value.code == "invalid_conversation_id" and recorder.requests == []
    client.runs.run(APP, inputs={}, query="hi", conversation_id="  ", mode="chat")
    assert body_of(recorder.requests[0]) == {"inputs": {}, "query": "hi"}
    client.runs.run(APP, inputs={}, query="hi", conversation_id=CONVERSATION, mode="chat")
    assert body_of(recorder.requests[1])["conversation_id"] == CONVERSATION


@pytest.mark.parametrize(
    "ref",
    [
        {"type": "image", "transfer_method": "local_file"},
        {"type": "image", "transfer_method": "remote_url"},
        {"type": "image", "transfer_method": "ftp", "url": "x"},
        {"type": "picture", "transfer_method": "remote_url", "url": "https://x/a.png"},
        "a.png",
    ],
)
def test_file_refs_are_checked(make_client, ref) -> None:
    client, recorder = make_client(sse(FINISHED))
    with pytest.raises(RunRequestError) as caught:
        client.runs.stream(APP, inputs={}, files=[ref])
    assert caught.value.code == "invalid_file_ref" and recorder.requests == []


def test_good_file_refs_are_sent(make_client) -> None:
    client, recorder = make_client(sse(STARTED, FINISHED))
    refs = [
        {"type": "image", "transfer_method": "local_file", "upload_file_id": "f1"},
        {"transfer_method": "remote_url", "url": "https://x/a.pdf"},
    ]
    client.runs.run(APP, inputs={}, files=refs)
    assert body_of(recorder.requests[0])["files"] == refs


# --- errors before and after the stream starts ----------------------------------------


def test_an_error_body_before_the_stream_raises_the_usual_typed_error(make_client) -> None:
    client, _ = make_client(error_body(400, "app_unavailable", "App unavailable"))
    with pytest.raises(BadRequestError) as caught:
        client.runs.stream(APP, inputs={})
    assert caught.value.code == "app_unavailable"


@pytest.mark.parametrize(
    "answer",
    [
        error_body(429, "too_many_requests", "Too many requests"),
        error_body(500, "internal_server_error", "Internal Server Error"),
        httpx.ConnectError("refused"),
    ],
)
def test_the_run_post_is_never_retried(make_client, answer) -> None:
    client, recorder = make_client(answer, sse(STARTED, FINISHED))
    with pytest.raises((RateLimitError, ServerError, DifyConnectionError)):
        client.runs.stream(APP, inputs={})
    assert len(recorder.requests) == 1


def test_an_error_event_mid_stream_ends_the_iteration_with_run_failed(make_client) -> None:
    error = {
        "event": "error",
        "task_id": TASK,
        "status": 400,
        "code": "completion_request_error",
        "message": "model said no",
    }
    client, _ = make_client(sse(STARTED, NODE_B_START, error, FINISHED))
    seen: list[RunEvent] = []
    with client.runs.stream(APP, inputs={}) as stream, pytest.raises(RunFailed) as caught:
        for event in stream:
            seen.append(event)
    assert [e.event for e in seen] == ["workflow_started", "node_started"]
    failed = caught.value
    assert (failed.code, failed.message, failed.status) == (
        "completion_request_error",
        "model said no",
        400,
    )
    assert failed.task_id == TASK and failed.run_id == RUN
    assert failed.result is not None and failed.result.status == "failed"
    assert not any(isinstance(e, ErrorEvent) for e in seen)


def test_run_raises_run_failed(make_client) -> None:
    error = {"event": "error", "task_id": TASK, "status": 500, "code": "x", "message": "boom"}
    client, _ = make_client(sse(STARTED, error))
    with pytest.raises(RunFailed, match="boom"):
        client.runs.run(APP, inputs={})


# --- resume after a dropped stream ----------------------------------------------------


def test_a_dropped_stream_is_resumed_without_duplicates(make_client) -> None:
    first = sse(STARTED, NODE_A_START, NODE_A_END, NODE_B_START, chunk("hel"), broken=True)
    replay = sse(
        STARTED,
        NODE_A_START,
        NODE_A_END,
        NODE_B_START,
        chunk("hel"),
        PING,
        chunk("lo"),
        NODE_B_END,
        FINISHED,
    )
    client, recorder = make_client(first, replay)
    with client.runs.stream(APP, inputs={}) as stream:
        events = [e for e in stream if not isinstance(e, Ping)]
        result = stream.result()
    assert [(e.event, (e.data or {}).get("id") or (e.data or {}).get("text")) for e in events] == [
        ("workflow_started", RUN),
        ("node_started", "exec-a"),
        ("node_finished", "exec-a"),
        ("node_started", "exec-b"),
        ("text_chunk", "hel"),
        ("text_chunk", "lo"),
        ("node_finished", "exec-b"),
        ("workflow_finished", RUN),
    ]
    reconnect = recorder.requests[1]
    assert reconnect.method == "GET"
    assert reconnect.url.path == f"/openapi/v1/apps/{APP}/tasks/{RUN}/events"
    assert reconnect.url.params["continue_on_pause"] == "false"
    assert result.status == "succeeded" and len(recorder.requests) == 2


def test_a_stream_closed_early_is_resumed_too(make_client) -> None:
    client, recorder = make_client(sse(STARTED, NODE_A_START), sse(FINISHED))
    result = client.runs.run(APP, inputs={})
    assert result.status == "succeeded" and result.outputs == {"answer": "hello world"}
    assert [r.method for r in recorder.requests] == ["POST", "GET"]


def test_the_events_reconnect_is_retried_by_the_usual_rules(make_client, fake_clock) -> None:
    client, recorder = make_client(
        sse(STARTED, broken=True),
        error_body(502, "bad_gateway", "Internal Server Error"),
        sse(STARTED, FINISHED),
    )
    assert client.runs.run(APP, inputs={}).status == "succeeded"
    assert [r.method for r in recorder.requests] == ["POST", "GET", "GET"]
    assert fake_clock.sleeps == [0.5]


def test_a_drop_before_the_run_id_is_known_cannot_be_resumed(make_client) -> None:
    client, recorder = make_client(sse(PING, broken=True))
    with pytest.raises(DifyConnectionError, match="cannot be resumed"):
        client.runs.run(APP, inputs={})
    assert len(recorder.requests) == 1


def test_a_chat_app_is_not_resumed(make_client) -> None:
    message = {"event": "message", "task_id": TASK, "message_id": "m", "answer": "Hi"}
    client, recorder = make_client(sse(message, broken=True))
    with pytest.raises(DifyConnectionError):
        client.runs.run(APP, inputs={}, query="hi", mode="chat")
    assert len(recorder.requests) == 1


def test_resuming_gives_up_when_no_new_events_come(make_client) -> None:
    client, recorder = make_client(sse(STARTED, broken=True), lambda _: sse(STARTED, broken=True))
    with pytest.raises(DifyConnectionError, match="gave up"):
        client.runs.run(APP, inputs={})
    assert len(recorder.requests) == 1 + 3


def test_events_reconnects_to_a_run_by_its_run_id(make_client) -> None:
    client, recorder = make_client(sse(FINISHED))
    with client.runs.events(APP, RUN, continue_on_pause=True) as stream:
        result = stream.result()
    assert result.status == "succeeded" and result.run_id == RUN
    request = recorder.requests[0]
    assert request.url.params["continue_on_pause"] == "true"
    assert request.url.params["include_state_snapshot"] == "false"


def test_events_of_a_foreign_run_is_not_found(make_client) -> None:
    client, _ = make_client(error_body(404, "not_found", "Workflow run not found"))
    with pytest.raises(NotFoundError):
        client.runs.events(APP, RUN)


# --- RunResult ------------------------------------------------------------------------


def test_run_result_of_a_workflow(make_client) -> None:
    client, _ = make_client(
        sse(STARTED, NODE_A_START, NODE_A_END, NODE_B_START, chunk("x"), NODE_B_END, FINISHED)
    )
    result = client.runs.run(APP, inputs={})
    assert result.status == "succeeded"
    assert result.outputs == {"answer": "hello world"}
    assert (result.run_id, result.task_id) == (RUN, TASK)
    assert result.total_tokens == 42 and result.elapsed_time == 2.0
    assert [(n.node_id, n.node_type, n.status, n.elapsed_time) for n in result.nodes] == [
        ("start", "start", "succeeded", 0.25),
        ("llm", "llm", "succeeded", 1.5),
    ]
    assert result.answer is None and result.form_token is None


def test_run_result_of_a_chat(make_client) -> None:
    def message(text: str) -> dict[str, Any]:
        return {
            "event": "message",
            "task_id": TASK,
            "id": "m1",
            "message_id": "m1",
            "conversation_id": CONVERSATION,
            "answer": text,
        }

    usage = {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7, "latency": 0.5}
    end = {
        "event": "message_end",
        "task_id": TASK,
        "id": "m1",
        "message_id": "m1",
        "conversation_id": CONVERSATION,
        "metadata": {"usage": usage},
    }
    client, _ = make_client(sse(message("Hel"), PING, message("lo"), end))
    result = client.runs.run(APP, inputs={}, query="hi", mode="chat")
    assert result.status == "succeeded" and result.answer == "Hello"
    assert result.conversation_id == CONVERSATION and result.message_id == "m1"
    assert result.usage == usage and result.total_tokens == 7 and result.elapsed_time == 0.5
    assert result.run_id is None


def test_run_result_of_a_failed_node_and_a_paused_run(make_client) -> None:
    failed_node = wf(
        "node_finished",
        {
            "id": "exec-b",
            "node_id": "llm",
            "node_type": "llm",
            "title": "LLM",
            "status": "failed",
            "error": "quota",
            "elapsed_time": 0.1,
        },
    )
    failed = wf(
        "workflow_finished",
        {
            "id": RUN,
            "status": "failed",
            "error": "quota",
            "outputs": None,
            "elapsed_time": 0.2,
            "total_tokens": 0,
        },
    )
    client, _ = make_client(sse(STARTED, NODE_B_START, failed_node, failed))
    result = client.runs.run(APP, inputs={})
    assert result.status == "failed" and result.error == "quota" and result.outputs == {}
    assert result.nodes[0].status == "failed" and result.nodes[0].error == "quota"

    form = wf("human_input_required", {"form_token": "FT-1", "node_id": "h", "actions": []})
    paused = wf("workflow_paused", {"workflow_run_id": RUN, "paused_nodes": ["h"]})
    client, recorder = make_client(sse(STARTED, form, paused))
    result = client.runs.run(APP, inputs={})
    assert result.status == "paused" and result.form_token == "FT-1"
    assert "FT-1" not in repr(result)
    assert len(recorder.requests) == 1  # a pause closes the run stream; not a drop


# --- stop, upload, forms --------------------------------------------------------------


def test_stop(make_client) -> None:
    client, recorder = make_client(httpx.Response(200, json={"result": "success"}))
    assert client.runs.stop(APP, TASK) is None
    request = recorder.requests[0]
    assert request.method == "POST"
    assert request.url.path == f"/openapi/v1/apps/{APP}/tasks/{TASK}/stop"


UPLOADED = {
    "id": "file-1",
    "name": "notes.pdf",
    "size": 5,
    "extension": "pdf",
    "mime_type": "application/pdf",
    "created_by": "acc",
    "created_at": 1700000000,
    "preview_url": None,
    "source_url": None,
    "original_url": None,
    "user_id": None,
    "tenant_id": "ws",
    "conversation_id": None,
    "file_key": None,
}


def test_upload_sends_one_multipart_file_part(make_client, tmp_path) -> None:
    client, recorder = make_client(httpx.Response(201, json=UPLOADED))
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-")
    uploaded = client.files.upload(APP, path)
    assert uploaded.id == "file-1" and uploaded.file_type == "document"
    assert uploaded.to_input() == {
        "type": "document",
        "transfer_method": "local_file",
        "upload_file_id": "file-1",
    }
    request = recorder.requests[0]
    assert request.url.path == f"/openapi/v1/apps/{APP}/files/upload"
    assert request.headers["content-type"].startswith("multipart/form-data")
    content = request.read()
    assert content.count(b"Content-Disposition") == 1
    assert b'name="file"; filename="notes.pdf"' in content
    assert b"Content-Type: application/pdf" in content


def test_upload_of_bytes_needs_a_filename(make_client) -> None:
    client, recorder = make_client(httpx.Response(201, json=UPLOADED))
    with pytest.raises(ValueError, match="filename"):
        client.files.upload(APP, b"data")
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (400, "file_extension_blocked", BadRequestError),
        (413, "file_too_large", __import__("dify_client").PayloadTooLargeError),
        (415, "unsupported_file_type", __import__("dify_client").UnsupportedMediaTypeError),
    ],
)
def test_upload_errors_are_typed(make_client, status, code, error) -> None:
    client, recorder = make_client(error_body(status, code, "refused"))
    with pytest.raises(error) as caught:
        client.files.upload(APP, b"data", filename="a.exe")
    assert caught.value.code == code and len(recorder.requests) == 1


FORM = {
    "form_content": "Approve **this**?",
    "inputs": [{"type": "paragraph", "output_variable_name": "comment"}],
    "resolved_default_values": {"comment": ""},
    "user_actions": [{"id": "approve", "title": "Approve"}],
    "expiration_time": 1700003600,
}


def test_forms_get_and_submit(make_client) -> None:
    client, recorder = make_client(httpx.Response(200, json=FORM), httpx.Response(200, json={}))
    form = client.forms.get(APP, "FT-SECRET")
    assert form.user_actions[0]["id"] == "approve" and form.expiration_time == 1700003600
    assert client.forms.submit(APP, "FT-SECRET", action="approve", inputs={"c": "ok"}) is None
    get, post = recorder.requests
    assert get.url.path == f"/openapi/v1/apps/{APP}/form/human_input/FT-SECRET"
    assert post.method == "POST" and body_of(post) == {"inputs": {"c": "ok"}, "action": "approve"}


@pytest.mark.parametrize(
    ("status", "code"), [(404, "form_not_found"), (412, "human_input_form_submitted")]
)
def test_form_errors_do_not_show_the_token(make_client, status, code) -> None:
    client, _ = make_client(error_body(status, code, "no such form"))
    with pytest.raises(__import__("dify_client").APIStatusError) as caught:
        client.forms.get(APP, "FT-SECRET")
    assert caught.value.code == code
    assert "FT-SECRET" not in str(caught.value)


def test_verbose_logs_show_neither_the_bearer_nor_the_form_token(make_client, caplog) -> None:
    client, _ = make_client(httpx.Response(200, json=FORM), sse(STARTED, FINISHED), verbose=True)
    with caplog.at_level("DEBUG", logger="dify_client"):
        client.forms.get(APP, "FT-SECRET")
        client.runs.run(APP, inputs={})
    text = caplog.text
    assert "/form/human_input/[redacted]" in text
    assert "FT-SECRET" not in text and "TTTT" not in text
    assert "TTTT" not in repr(client) and "TTTT" not in repr(client.runs.stream(APP, inputs={}))


def test_with_continue_on_pause_a_pause_is_not_the_end(make_client) -> None:
    paused = wf("workflow_paused", {"paused_nodes": ["h"]})
    client, recorder = make_client(sse(STARTED, paused), sse(STARTED, paused, FINISHED))
    with client.runs.events(APP, RUN, continue_on_pause=True) as stream:
        names = [e.event for e in stream]
        result = stream.result()
    assert names == ["workflow_started", "workflow_paused", "workflow_finished"]
    assert result.status == "succeeded" and len(recorder.requests) == 2


def test_identical_text_chunks_are_told_apart_by_position(make_client) -> None:
    first = sse(STARTED, chunk("a"), chunk("a"), broken=True)
    replay = sse(STARTED, chunk("a"), chunk("a"), chunk("a"), FINISHED)
    client, _ = make_client(first, replay)
    with client.runs.stream(APP, inputs={}) as stream:
        texts = [e.text for e in stream if isinstance(e, TextChunk)]
    assert texts == ["a", "a", "a"]
