"""Stop, events reconnect and human input over real HTTP (contract §2.5)."""

from __future__ import annotations

import time

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
from tests.emulator._runtime import events, fake, names, run

__all__ = ["fake"]


def _api(emulator, email=ADA):
    return emulator.client(emulator.admin.token(email))


def _paused(api, **inputs):
    found = events(run(api, TRIAGE, inputs={"pause": True, **inputs}))
    assert names(found)[-2:] == ["human_input_required", "workflow_paused"]
    return found


def _wait_finished(api, run_id, *, timeout=2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = events(api.get(f"/apps/{TRIAGE}/tasks/{run_id}/events"))
        if names(found) == ["workflow_finished"]:
            return found[0]
        time.sleep(0.005)
    raise AssertionError("run did not finish")


def test_stop_always_answers_success(emulator, fake):
    api = _api(emulator)
    response = api.post(f"/apps/{TRIAGE}/tasks/no-such-task/stop")
    assert response.status_code == 200 and response.json() == {"result": "success"}
    assert_error(emulator.client().post(f"/apps/{TRIAGE}/tasks/x/stop"), 401)


def test_stop_ends_a_paused_run_as_stopped(emulator, fake):
    api = _api(emulator)
    found = _paused(api)
    task_id, run_id = found[0]["task_id"], found[0]["workflow_run_id"]
    assert api.post(f"/apps/{TRIAGE}/tasks/{task_id}/stop").json() == {"result": "success"}
    assert _wait_finished(api, run_id)["data"]["status"] == "stopped"


def test_human_input_form_round_trip_resumes_the_run(emulator, fake):
    api = _api(emulator)
    found = _paused(api)
    required = found[-2]["data"]
    token, run_id = required["form_token"], found[0]["workflow_run_id"]
    form = api.get(f"/apps/{TRIAGE}/form/human_input/{token}")
    assert form.status_code == 200, form.text
    body = form.json()
    assert body["form_content"] == "Please review"
    assert [a["id"] for a in body["user_actions"]] == ["approve", "reject"]
    assert isinstance(body["expiration_time"], int)
    assert body["resolved_default_values"] == {}
    submitted = api.post(
        f"/apps/{TRIAGE}/form/human_input/{token}", json={"action": "approve", "inputs": {"a": 1}}
    )
    assert submitted.status_code == 200 and submitted.json() == {}
    finished = _wait_finished(api, run_id)["data"]
    assert finished["status"] == "succeeded"
    assert finished["outputs"]["action"] == "approve"
    assert finished["outputs"]["form_inputs"] == {"a": 1}
    path = f"/apps/{TRIAGE}/form/human_input/{token}"
    again = api.post(path, json={"action": "approve", "inputs": {}})
    assert_error(again, 412, code="human_input_form_submitted")
    assert_error(api.get(f"/apps/{TRIAGE}/form/human_input/{token}"), 412)


def test_form_errors(emulator, fake):
    api = _api(emulator)
    token = _paused(api)[-2]["data"]["form_token"]
    path = f"/apps/{TRIAGE}/form/human_input/"
    assert_error(api.get(path + "unknown"), 404, "Form not found", code="form_not_found")
    other = f"/apps/{HELPDESK}/form/human_input/{token}"
    assert_error(api.get(other), 404, code="form_not_found")
    body = assert_error(api.post(path + token, json={"action": "approve"}), 422)
    assert body["details"][0]["loc"] == ["inputs"]
    assert_error(api.post(path + token, json={"inputs": {}}), 422)
    assert_error(api.post(path + token, json={"action": "nope", "inputs": {}}), 400)
    no_recipient = _paused(api, no_recipient=True)[-2]["data"]["form_token"]
    assert_error(api.post(path + no_recipient, json={"action": "approve", "inputs": {}}), 400)


def test_form_expires_on_the_emulator_clock(emulator, fake):
    api = _api(emulator)
    found = _paused(api, pause_ttl=60)
    token, run_id = found[-2]["data"]["form_token"], found[0]["workflow_run_id"]
    emulator.admin.advance(61)
    expired = api.get(f"/apps/{TRIAGE}/form/human_input/{token}")
    message = f"This form has expired, form_id={token}"
    assert_error(expired, 412, message, "human_input_form_expired")
    submit = api.post(
        f"/apps/{TRIAGE}/form/human_input/{token}", json={"action": "approve", "inputs": {}}
    )
    assert_error(submit, 412, code="human_input_form_expired")
    assert _wait_finished(api, run_id)["data"]["status"] == "failed"


def test_reconnect_replays_and_closes_at_the_pause(emulator, fake):
    api = _api(emulator)
    found = _paused(api)
    run_id = found[0]["workflow_run_id"]
    replay = events(api.get(f"/apps/{TRIAGE}/tasks/{run_id}/events"))
    assert replay == found


def test_reconnect_with_continue_on_pause_follows_the_resumed_run(emulator, fake):
    api = _api(emulator)
    found = _paused(api)
    run_id, token = found[0]["workflow_run_id"], found[-2]["data"]["form_token"]
    path = f"/apps/{TRIAGE}/tasks/{run_id}/events"
    with api.stream("GET", path, params={"continue_on_pause": "true"}) as stream:
        lines = stream.iter_lines()
        seen = []
        for line in lines:
            if line.startswith("data: "):
                seen.append(line)
            if len(seen) == len(found):
                break
        api.post(
            f"/apps/{TRIAGE}/form/human_input/{token}", json={"action": "reject", "inputs": {}}
        )
        rest = [line for line in lines if line.startswith("data: ")]
    assert '"workflow_finished"' in rest[-1]
    assert '"reject"' in rest[-1]


def test_finished_run_reconnect_is_one_workflow_finished(emulator, fake):
    api = _api(emulator)
    found = events(run(api, TRIAGE, inputs={"text": "x"}))
    run_id = found[0]["workflow_run_id"]
    again = events(api.get(f"/apps/{TRIAGE}/tasks/{run_id}/events"))
    assert names(again) == ["workflow_finished"]
    assert again[0]["workflow_run_id"] == run_id
    assert again[0]["data"]["outputs"] == found[-1]["data"]["outputs"]
    assert again[0]["data"]["status"] == "succeeded"


def test_finished_run_survives_the_task_registry(emulator, fake):
    api = _api(emulator)
    run_id = events(run(api, TRIAGE))[0]["workflow_run_id"]
    emulator.server.emulator.backend.runs.tasks.stop_all()
    assert names(events(api.get(f"/apps/{TRIAGE}/tasks/{run_id}/events"))) == ["workflow_finished"]


def test_reconnect_ownership_and_mode_rules(emulator, fake):
    api = _api(emulator)
    run_id = events(run(api, TRIAGE))[0]["workflow_run_id"]
    other = _api(emulator, GRACE)
    assert_error(other.get(f"/apps/{TRIAGE}/tasks/{run_id}/events"), 404, "Workflow run not found")
    assert_error(api.get(f"/apps/{TRIAGE}/tasks/{UNKNOWN_UUID}/events"), 404)
    wrong_app = api.get(f"/apps/{PROD_TRIAGE}/tasks/{run_id}/events")
    assert wrong_app.status_code == 404
    chat = api.get(f"/apps/{ONBOARDING}/tasks/{run_id}/events")
    assert_error(chat, 422, "mode_not_supported_for_event_reconnect")
