"""A dropped run stream is resumed through the events endpoint, without duplicates."""

from __future__ import annotations

import pytest

from dify_client import (
    DifyConnectionError,
    NotFoundError,
)
from dify_client.models import (
    Ping,
    TextChunk,
)
from tests.dify_client.conftest import error_body
from tests.dify_client.sse_frames import (
    APP,
    FINISHED,
    NODE_A_END,
    NODE_A_START,
    NODE_B_END,
    NODE_B_START,
    PING,
    RUN,
    STARTED,
    TASK,
    chunk,
    sse,
    wf,
)

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
