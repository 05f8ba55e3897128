"""Human input end to end and stop, over real HTTP: a workflow imported through the
client's DSL import, published, run to its pause, answered through the form endpoints,
followed with `continue_on_pause` to the branch the chosen action leads to; a stop
during a scripted node delay; a server stopped with a run still paused."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from dify_client import APIStatusError, DifyClient, NotFoundError
from dify_client.models import HumanInputRequired, NodeStarted, WorkflowFinished, WorkflowPaused
from tests.support.emulator import EmulatorHandle
from tests.support.runs import TICKET, TRIAGE, import_human_input_app, trail

SUBJECT = {"subject": "a refund"}


def paused_run(dify: DifyClient, app_id: str) -> tuple[str, str, str]:
    """(form token, run id, task id) of a fresh run stopped at its form."""
    with dify.runs.stream(app_id, inputs=SUBJECT, mode="workflow") as stream:
        events = list(stream)
        result = stream.result()
    assert isinstance(events[-1], WorkflowPaused)
    (required,) = [e for e in events if isinstance(e, HumanInputRequired)]
    assert result.status == "paused" and result.form_token == required.form_token
    assert result.form_token and result.run_id and result.task_id
    return result.form_token, result.run_id, result.task_id


def test_human_input_end_to_end_follows_the_chosen_action(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    app_id = import_human_input_app(dify, emulator)
    token, run_id, _task = paused_run(dify, app_id)

    form = dify.forms.get(app_id, token)
    assert form.form_content == "Review a refund: {{#$output.note#}}"
    assert [a["id"] for a in form.user_actions] == ["approve", "reject"]
    assert form.resolved_default_values == {"note": "a refund"}
    assert [i["output_variable_name"] for i in form.inputs] == ["note"]

    events = []
    with dify.runs.events(app_id, run_id, continue_on_pause=True) as stream:
        for event in stream:  # the replay up to the pause, then the resumed run, live
            events.append(event)
            if isinstance(event, WorkflowPaused):
                dify.forms.submit(app_id, token, action="approve", inputs={"note": "refund it"})
        result = stream.result()
    assert isinstance(events[-1], WorkflowFinished)
    assert result.status == "succeeded" and result.outputs == {"note": "refund it"}
    assert [n.node_id for n in result.nodes if n.status == "succeeded"][-1] == "approved"
    assert "rejected" not in [n.node_id for n in result.nodes]


def test_the_other_action_takes_the_other_branch(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    app_id = import_human_input_app(dify, emulator)
    token, run_id, _task = paused_run(dify, app_id)
    dify.forms.submit(app_id, token, action="reject", inputs={"note": "no"})
    result = dify.runs.events(app_id, run_id, continue_on_pause=True).result()
    assert result.status == "succeeded" and result.outputs == {"rejected": "reject"}


def test_events_without_continue_on_pause_end_at_the_pause(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    app_id = import_human_input_app(dify, emulator)
    _token, run_id, _task = paused_run(dify, app_id)
    with dify.runs.events(app_id, run_id) as stream:
        names = [name for name, _node in trail(list(stream))]
    assert names[-2:] == ["human_input_required", "workflow_paused"]
    assert names[0] == "workflow_started"


def test_a_wrong_form_token_is_404_and_a_second_submission_is_412(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    app_id = import_human_input_app(dify, emulator)
    token, _run, _task = paused_run(dify, app_id)
    with pytest.raises(NotFoundError):
        dify.forms.get(app_id, "not-a-form-token")
    with pytest.raises(NotFoundError):
        dify.forms.submit(app_id, "not-a-form-token", action="approve", inputs={})
    dify.forms.submit(app_id, token, action="approve", inputs={"note": "ok"})
    with pytest.raises(APIStatusError) as caught:
        dify.forms.submit(app_id, token, action="approve", inputs={"note": "ok"})
    assert caught.value.status == 412 and caught.value.code == "human_input_form_submitted"


def test_a_submitted_forms_412_does_not_carry_the_token(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    """Dify's FormSubmittedError names the form's record id; the token is a secret."""
    app_id = import_human_input_app(dify, emulator)
    with dify.runs.stream(app_id, inputs={"subject": "a refund"}) as stream:
        token = stream.result().form_token
    assert token
    dify.forms.submit(app_id, token, action="approve", inputs={"note": "ok"})
    with pytest.raises(APIStatusError) as caught:
        dify.forms.submit(app_id, token, action="approve", inputs={"note": "ok"})
    assert caught.value.status == 412
    assert token not in str(caught.value)


@pytest.mark.generations("s2")  # reads the S2 stop route's counter
def test_stopping_a_paused_run_ends_it_stopped(dify: DifyClient, emulator: EmulatorHandle) -> None:
    app_id = import_human_input_app(dify, emulator)
    _token, run_id, task_id = paused_run(dify, app_id)
    dify.runs.stop(app_id, task_id)
    result = dify.runs.events(app_id, run_id, continue_on_pause=True).result()
    assert result.status == "stopped"
    assert emulator.admin.stats()["POST /apps/{app_id}/tasks/{task_id}/stop"] == 1


def test_stop_with_the_streams_task_id_while_it_is_open(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    app_id = import_human_input_app(dify, emulator)
    with dify.runs.events(app_id, paused_run(dify, app_id)[1], continue_on_pause=True) as s:
        for event in s:
            if isinstance(event, WorkflowPaused):
                assert s.task_id is not None
                dify.runs.stop(app_id, s.task_id)
        result = s.result()
    assert result.status == "stopped"


def test_stop_ends_a_run_slowed_by_a_scripted_delay_stopped(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    """The delayed node keeps the run running; the stop cuts its 2 s delay short."""
    emulator.admin.script(app_id=TRIAGE, node="Classify ticket", text="slow", delay_s=2.0)
    with dify.runs.stream(TRIAGE, inputs=TICKET) as stream:
        for event in stream:
            if isinstance(event, NodeStarted) and stream.task_id:
                dify.runs.stop(TRIAGE, stream.task_id)
                break
        result = stream.result()
    assert result.status == "stopped"


def test_stopping_the_server_with_a_paused_run_fails_no_thread(
    emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda hook: failures.append(hook.exc_value))
    before = set(threading.enumerate())
    handle = emulator_factory()
    with DifyClient(handle.base_url, handle.admin.token()) as client:
        app_id = import_human_input_app(client, handle)
        assert client.runs.run(app_id, inputs={"subject": "x"}).status == "paused"
    handle.server.stop()  # stops the paused run and waits for its thread
    left = [t for t in threading.enumerate() if t not in before and t.name.startswith("run-")]
    assert left == []
    assert failures == []


def test_stop_of_an_unknown_task_is_a_success_as_in_dify(dify: DifyClient) -> None:
    dify.runs.stop(TRIAGE, "no-such-task")  # Dify only sets a flag; it always succeeds


def test_an_expired_form_is_412_and_another_apps_token_404(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    app_id = import_human_input_app(dify, emulator)
    token, _run, _task = paused_run(dify, app_id)
    with pytest.raises(NotFoundError):  # a form is found only through its own app
        dify.forms.get(TRIAGE, token)
    emulator.admin.advance(2 * 86400)  # past the node's one-day timeout
    with pytest.raises(APIStatusError) as caught:
        dify.forms.get(app_id, token)
    assert caught.value.status == 412 and caught.value.code == "human_input_form_expired"
