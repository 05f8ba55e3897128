"""Dropped, slowed and broken streams and the events reconnect, over real HTTP: a dropped
run stream is resumed through `tasks/{run_id}/events` with every event exactly once, and
the run POST is never sent twice."""

from __future__ import annotations

import pytest

from dify_client import DifyClient, NotFoundError, RunFailed, UnprocessableEntityError
from dify_client.models import WorkflowFinished
from tests.contract.conftest import ClientFactory
from tests.support.emulator import EmulatorHandle
from tests.support.runs import (
    BUDDY,
    GRACE,
    HELPDESK,
    TICKET,
    TRIAGE,
    import_human_input_app,
    import_published,
    iteration_pause_dsl,
    trail,
)

RUN = "POST /apps/{app_id}/run"
EVENTS = "GET /apps/{app_id}/tasks/{task_id}/events"
SUBJECT = {"subject": "a refund"}


def test_a_dropped_stream_of_a_live_run_is_resumed_with_every_event_once(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    app_id = import_human_input_app(dify, emulator)
    undisturbed = trail(list(dify.runs.stream(app_id, inputs=SUBJECT)))
    assert undisturbed[-1] == ("workflow_paused", None)  # the run lives on, paused
    for after_events in (1, 3, 4):
        emulator.admin.reset_stats()
        emulator.admin.fault("stream_drop", route=RUN, after_events=after_events, times=1)
        with dify.runs.stream(app_id, inputs=SUBJECT) as stream:
            resumed = list(stream)
            result = stream.result()
        assert trail(resumed) == undisturbed, after_events
        assert result.status == "paused" and result.form_token
        stats = emulator.admin.stats()
        assert stats[RUN] == 1  # the run POST is sent exactly once
        assert stats[EVENTS] == 1


def test_a_drop_on_the_reconnect_too_is_resumed_again(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    app_id = import_human_input_app(dify, emulator)
    undisturbed = trail(list(dify.runs.stream(app_id, inputs=SUBJECT)))
    emulator.admin.reset_stats()
    emulator.admin.fault("stream_drop", route=RUN, after_events=1, times=1)
    emulator.admin.fault("stream_drop", route=EVENTS, after_events=3, times=1)
    with dify.runs.stream(app_id, inputs=SUBJECT) as stream:
        assert trail(list(stream)) == undisturbed
    assert emulator.admin.stats()[RUN] == 1


def test_a_stream_dropped_after_its_run_finished_ends_with_workflow_finished(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    # Dify's workflow_events.py answers a finished run with its workflow_finished alone,
    # so a resumed stream has what came before the drop, then that event: nothing twice.
    undisturbed = list(dify.runs.stream(TRIAGE, inputs=TICKET))
    reference = dify.runs.run(TRIAGE, inputs=TICKET)
    emulator.admin.reset_stats()
    emulator.admin.fault("stream_drop", route=RUN, after_events=4, times=1)
    with dify.runs.stream(TRIAGE, inputs=TICKET) as stream:
        resumed = list(stream)
        result = stream.result()
    assert trail(resumed) == [*trail(undisturbed)[:4], ("workflow_finished", None)]
    assert result.status == "succeeded" and result.outputs == reference.outputs
    assert emulator.admin.stats()[RUN] == 1


def test_a_resumed_chatflow_still_has_its_whole_answer(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    emulator.admin.publish(HELPDESK)
    query = "How many days off do I get?"
    undisturbed = dify.runs.run(HELPDESK, inputs={}, query=query)
    emulator.admin.fault("stream_drop", route=RUN, after_events=3, times=1)
    resumed = dify.runs.run(HELPDESK, inputs={}, query=query, mode="advanced-chat")
    assert undisturbed.answer and resumed.answer == undisturbed.answer
    assert resumed.conversation_id and resumed.status == "succeeded"


def test_a_slow_stream_still_delivers_every_event(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    undisturbed = trail(list(dify.runs.stream(TRIAGE, inputs=TICKET)))
    emulator.admin.fault("stream_slow", route=RUN, latency_ms=5, times=1)
    assert trail(list(dify.runs.stream(TRIAGE, inputs=TICKET))) == undisturbed


def test_an_error_event_mid_stream_raises_run_failed(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    emulator.admin.fault("stream_error", route=RUN, after_events=3, times=1)
    seen = []
    with pytest.raises(RunFailed) as caught, dify.runs.stream(TRIAGE, inputs=TICKET) as stream:
        seen.extend(e for e in stream if e.event != "ping")
    assert len(seen) == 3
    assert (caught.value.status, caught.value.code) == (500, "internal_server_error")
    assert caught.value.task_id == seen[0].task_id and caught.value.run_id
    assert emulator.admin.stats()[RUN] == 1


def test_reconnecting_to_a_finished_run_gives_one_workflow_finished(
    dify: DifyClient,
) -> None:
    result = dify.runs.run(TRIAGE, inputs=TICKET)
    assert result.run_id is not None
    with dify.runs.events(TRIAGE, result.run_id) as stream:
        events = [e for e in stream if e.event != "ping"]
        replayed = stream.result()
    assert len(events) == 1 and isinstance(events[0], WorkflowFinished)
    assert events[0].workflow_run_id == result.run_id
    assert replayed.status == "succeeded" and replayed.outputs == result.outputs


def test_reconnecting_to_another_callers_run_is_404(
    dify: DifyClient, make_dify: ClientFactory
) -> None:
    result = dify.runs.run(TRIAGE, inputs=TICKET)
    assert result.run_id is not None
    grace = make_dify(GRACE)
    with pytest.raises(NotFoundError):
        grace.runs.events(TRIAGE, result.run_id)
    with pytest.raises(NotFoundError):
        dify.runs.events(TRIAGE, "00000000-0000-4000-8000-0000000000ff")


def test_a_chat_app_has_no_events_reconnect(dify: DifyClient) -> None:
    result = dify.runs.run(BUDDY, inputs={}, query="hi")
    assert result.message_id is not None
    with pytest.raises(UnprocessableEntityError) as caught:
        dify.runs.events(BUDDY, result.message_id)
    assert caught.value.message == "mode_not_supported_for_event_reconnect"


def test_an_events_reconnect_is_retried_by_the_usual_rules(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    result = dify.runs.run(TRIAGE, inputs=TICKET)
    assert result.run_id is not None
    emulator.admin.fault("server_error", route=EVENTS, status=503, times=1)
    replayed = dify.runs.events(TRIAGE, result.run_id).result()
    assert replayed.status == "succeeded"
    assert emulator.admin.stats()[EVENTS] == 2


def test_iteration_events_are_resumed_once_each(dify: DifyClient, emulator: EmulatorHandle) -> None:
    app_id = import_published(dify, emulator, iteration_pause_dsl())
    items = {"items": ["a", "b", "a"]}  # identical items: told apart by their position
    undisturbed = trail(list(dify.runs.stream(app_id, inputs=items)))
    assert [name for name, _ in undisturbed].count("iteration_next") >= 2
    for after_events in range(1, len(undisturbed), 3):
        emulator.admin.fault("stream_drop", route=RUN, after_events=after_events, times=1)
        with dify.runs.stream(app_id, inputs=items) as stream:
            assert trail(list(stream)) == undisturbed, after_events


# These tests inject faults and read counters by S2 route keys (`POST /apps/{app_id}/run`…);
# the S3 routes run the same handlers, and tests/contract/test_generations.py covers them.
pytestmark = pytest.mark.generations("s2")
