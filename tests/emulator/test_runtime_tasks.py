"""Stop, events reconnect and human input over real HTTP with the real executor (§2.5)."""

from __future__ import annotations

from tests.emulator._helpers import (
    ADA,
    GRACE,
    HELPDESK,
    ONBOARDING,
    PROD_TRIAGE,
    TRIAGE,
    UNKNOWN_UUID,
    assert_error,
)
from tests.emulator._runtime import (
    blocks,
    events,
    human_graph,
    names,
    published_app,
    run,
    run_triage,
    wait_finished,
)
from tests.support.emulator import DEMO


def _api(emulator, email=ADA):
    return emulator.client(emulator.admin.token(email))


def _paused(emulator, api):
    """A run of a fresh human-input app, streamed up to its pause: (app id, its events)."""
    app_id = published_app(emulator, api, human_graph())
    found = events(run(api, app_id, inputs={"word": "cat"}))
    assert names(found)[-3:] == ["node_started", "human_input_required", "workflow_paused"]
    assert names(found).count("human_input_required") == names(found).count("workflow_paused") == 1
    assert names(found).count("workflow_started") == 1
    assert "workflow_finished" not in names(found)
    return app_id, found


def test_stop_always_answers_success(emulator):
    api = _api(emulator)
    response = api.post(f"/apps/{TRIAGE}/tasks/no-such-task/stop")
    assert response.status_code == 200 and response.json() == {"result": "success"}
    assert_error(emulator.client().post(f"/apps/{TRIAGE}/tasks/x/stop"), 401)


def test_stop_during_a_form_wait_ends_the_run_stopped(emulator):
    api = _api(emulator)
    app_id, found = _paused(emulator, api)
    task_id, run_id = found[0]["task_id"], found[0]["workflow_run_id"]
    assert api.post(f"/apps/{app_id}/tasks/{task_id}/stop").json() == {"result": "success"}
    finished = wait_finished(api, app_id, run_id)["data"]
    assert finished["status"] == "stopped"
    assert finished["error"] == "Stopped by user."


def test_human_input_end_to_end_over_http(emulator):
    api = _api(emulator)
    app_id, found = _paused(emulator, api)
    required, paused = found[-2], found[-1]
    run_id, token = found[0]["workflow_run_id"], required["data"]["form_token"]
    assert required["workflow_run_id"] == paused["workflow_run_id"] == run_id
    assert required["data"]["node_id"] == "review"
    assert paused["data"]["paused_nodes"] == ["review"]
    assert paused["data"]["reasons"][0]["form_token"] == token
    form = api.get(f"/apps/{app_id}/form/human_input/{token}")
    assert form.status_code == 200, form.text
    body = form.json()
    assert body["form_content"] == "Please review cat: {{#$output.note#}}"
    assert [a["id"] for a in body["user_actions"]] == ["approve", "reject"]
    assert body["expiration_time"] == required["data"]["expiration_time"]
    assert body["resolved_default_values"] == {}
    path = f"/apps/{app_id}/tasks/{run_id}/events"
    with api.stream("GET", path, params={"continue_on_pause": "true"}) as stream:
        lines = stream.iter_lines()
        replay = []
        for line in lines:
            if line.startswith("data: "):
                replay.append(line)
            if len(replay) == len(found):
                break
        submitted = api.post(
            f"/apps/{app_id}/form/human_input/{token}",
            json={"action": "approve", "inputs": {"note": "looks fine"}},
        )
        assert submitted.status_code == 200 and submitted.json() == {}
        rest = [b for b in blocks("\n\n".join(x for x in lines if x) + "\n\n") if b != "ping"]
    assert blocks("\n\n".join(replay) + "\n\n") == found
    assert names(rest) == ["node_finished", "node_started", "node_finished", "workflow_finished"]
    assert rest[0]["data"]["node_id"] == "review" and rest[1]["data"]["node_id"] == "yes"
    finished = rest[-1]["data"]
    assert finished["status"] == "succeeded"
    assert finished["outputs"] == {"note": "looks fine"}
    assert finished["id"] == run_id
    again = api.post(
        f"/apps/{app_id}/form/human_input/{token}", json={"action": "approve", "inputs": {}}
    )
    submitted_message = "This form has already been submitted by another user, form_id="
    form_id = required["data"]["form_id"]  # Dify's FormSubmittedError(form.id): the record id
    assert_error(again, 412, submitted_message + form_id, code="human_input_form_submitted")
    assert_error(api.get(f"/apps/{app_id}/form/human_input/{token}"), 412)
    assert form_id != token and token not in again.text


def test_the_other_action_takes_the_other_branch(emulator):
    api = _api(emulator)
    app_id, found = _paused(emulator, api)
    token, run_id = found[-2]["data"]["form_token"], found[0]["workflow_run_id"]
    api.post(f"/apps/{app_id}/form/human_input/{token}", json={"action": "reject", "inputs": {}})
    assert wait_finished(api, app_id, run_id)["data"]["outputs"] == {"action": "reject"}


def test_form_errors(emulator):
    api = _api(emulator)
    app_id, found = _paused(emulator, api)
    token = found[-2]["data"]["form_token"]
    path = f"/apps/{app_id}/form/human_input/"
    assert_error(api.get(path + "unknown"), 404, "Form not found", code="form_not_found")
    assert_error(api.get(f"/apps/{HELPDESK}/form/human_input/{token}"), 404, code="form_not_found")
    body = assert_error(api.post(path + token, json={"action": "approve"}), 422)
    assert body["details"][0]["loc"] == ["inputs"]
    assert_error(api.post(path + token, json={"inputs": {}}), 422)
    assert_error(api.post(path + token, json={"action": "nope", "inputs": {}}), 400)


def test_an_unhandled_error_on_a_form_logs_its_route_not_its_token(emulator, monkeypatch, caplog):
    api = _api(emulator)
    app_id, found = _paused(emulator, api)
    token = found[-2]["data"]["form_token"]

    def broken(*_args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(emulator.server.emulator.backend.forms, "get", broken)
    with caplog.at_level("ERROR", logger="emulator"):
        assert_error(api.get(f"/apps/{app_id}/form/human_input/{token}"), 500)
    (record,) = [r for r in caplog.records if r.getMessage().startswith("unhandled error")]
    assert record.getMessage().endswith("/apps/{app_id}/form/human_input/{form_token}")
    assert token not in caplog.text


def test_a_form_without_a_recipient_cannot_be_submitted(emulator):
    """Forms the executor requests always go to the OpenAPI surface; one delivered
    elsewhere (no recipient here) is refused, as Dify's submit does."""
    from emulator.store.runs import FormRow

    store = emulator.server.emulator.store.runs
    row = FormRow(
        "tok-elsewhere", "form-elsewhere", TRIAGE, "", {"user_actions": []}, None, 4e9, None
    )
    store.insert_form(row)
    submit = _api(emulator).post(
        f"/apps/{TRIAGE}/form/human_input/tok-elsewhere", json={"action": "a", "inputs": {}}
    )
    assert_error(submit, 400)


def test_form_expires_on_the_emulator_clock(emulator):
    api = _api(emulator)
    app_id, found = _paused(emulator, api)
    token, run_id = found[-2]["data"]["form_token"], found[0]["workflow_run_id"]
    form_id = found[-2]["data"]["form_id"]  # the record id, which the message names
    emulator.admin.advance(3601)  # the form's timeout is one hour
    expired = api.get(f"/apps/{app_id}/form/human_input/{token}")
    assert_error(
        expired, 412, f"This form has expired, form_id={form_id}", "human_input_form_expired"
    )
    assert token not in expired.text
    submit = api.post(
        f"/apps/{app_id}/form/human_input/{token}", json={"action": "approve", "inputs": {}}
    )
    assert_error(submit, 412, code="human_input_form_expired")
    finished = wait_finished(api, app_id, run_id)["data"]
    assert (finished["status"], finished["error"]) == ("stopped", "Human input form expired")


def test_reconnect_replays_and_closes_at_the_pause(emulator):
    api = _api(emulator)
    app_id, found = _paused(emulator, api)
    replay = events(api.get(f"/apps/{app_id}/tasks/{found[0]['workflow_run_id']}/events"))
    assert replay == found


def test_pings_keep_a_paused_runs_reconnect_alive(emulator):
    emulator.admin.settings(sse_ping_interval_s=0.005)
    api = _api(emulator)
    app_id, found = _paused(emulator, api)
    task_id, run_id = found[0]["task_id"], found[0]["workflow_run_id"]
    path = f"/apps/{app_id}/tasks/{run_id}/events"
    pings = 0
    with api.stream("GET", path, params={"continue_on_pause": "true"}) as stream:
        for line in stream.iter_lines():
            if line == "event: ping":
                pings += 1
                if pings == 2:
                    api.post(f"/apps/{app_id}/tasks/{task_id}/stop")
    assert pings >= 2


def test_finished_run_reconnect_is_one_workflow_finished(emulator):
    api = _api(emulator)
    found = events(run_triage(api))
    run_id = found[0]["workflow_run_id"]
    again = events(api.get(f"/apps/{TRIAGE}/tasks/{run_id}/events"))
    assert names(again) == ["workflow_finished"]
    assert again[0]["workflow_run_id"] == run_id
    data, streamed = again[0]["data"], found[-1]["data"]
    assert data["outputs"] == streamed["outputs"]
    assert data["status"] == "succeeded"
    assert data["total_steps"] == streamed["total_steps"]
    assert data["created_by"] == streamed["created_by"]
    assert data["created_by"]["id"] == DEMO.account_id(1)


def test_finished_run_survives_the_task_registry(emulator):
    api = _api(emulator)
    run_id = events(run_triage(api))[0]["workflow_run_id"]
    emulator.server.emulator.backend.runs.tasks.stop_all()
    assert names(events(api.get(f"/apps/{TRIAGE}/tasks/{run_id}/events"))) == ["workflow_finished"]


def test_reconnect_ownership_and_mode_rules(emulator):
    api = _api(emulator)
    run_id = events(run_triage(api))[0]["workflow_run_id"]
    other = _api(emulator, GRACE)
    assert_error(other.get(f"/apps/{TRIAGE}/tasks/{run_id}/events"), 404, "Workflow run not found")
    assert_error(api.get(f"/apps/{TRIAGE}/tasks/{UNKNOWN_UUID}/events"), 404)
    wrong_app = api.get(f"/apps/{PROD_TRIAGE}/tasks/{run_id}/events")
    assert wrong_app.status_code == 404
    chat = api.get(f"/apps/{ONBOARDING}/tasks/{run_id}/events")
    assert_error(chat, 422, "mode_not_supported_for_event_reconnect")


def test_a_run_thread_that_finds_the_store_closed_ends_quietly(
    emulator_factory, monkeypatch, caplog
):
    """A paused run that outlives the wait of close(): woken after the store closed, its
    thread ends without an exception (nor an "executor bug" log)."""
    import threading

    failures = []
    monkeypatch.setattr(threading, "excepthook", lambda hook: failures.append(hook.exc_value))
    handle = emulator_factory()
    api = _api(handle)
    _app_id, found = _paused(handle, api)
    served = handle.server.emulator
    task = served.backend.runs.tasks.by_run(found[0]["workflow_run_id"])
    served.store.close()  # as if close() had given up waiting for this run
    with caplog.at_level("ERROR", logger="emulator"):
        task.stop()
        task.thread.join(5)
    assert not task.thread.is_alive() and task.done
    assert failures == [] and caplog.records == []
