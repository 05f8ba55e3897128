"""Runs over a MockTransport: SSE parsing, per-mode checks, errors before and after the stream."""

from __future__ import annotations

import httpx
import pytest

from dify_client import (
    BadRequestError,
    DifyConnectionError,
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
from tests.dify_client.sse_frames import (
    APP,
    CONVERSATION,
    FINISHED,
    NODE_A_END,
    NODE_A_START,
    NODE_B_START,
    PING,
    RUN,
    STARTED,
    TASK,
    body_of,
    chunk,
    sse,
)

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
