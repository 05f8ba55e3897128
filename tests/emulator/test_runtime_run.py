"""`POST /apps/{app_id}/run` over real HTTP: rules, framing, what runs, scripts, faults."""

from __future__ import annotations

import httpx

from tests.emulator._helpers import (
    ADA,
    COPYWRITER,
    HELPDESK,
    ONBOARDING,
    RELEASE_NOTES,
    TRIAGE,
    UNKNOWN_UUID,
    assert_error,
)
from tests.emulator._runtime import blocks, events, fake, names, run
from tests.support.emulator import DEMO

__all__ = ["fake"]


def _api(emulator):
    return emulator.client(emulator.admin.token(ADA))


def test_workflow_run_streams_dify_framing(emulator, fake):
    response = run(_api(emulator), TRIAGE, inputs={"text": "hi"}, response_mode="blocking")
    found = events(response)
    assert names(found)[0] == "workflow_started"
    assert names(found)[-1] == "workflow_finished"
    assert "node_started" in names(found)
    assert names(found).count("workflow_started") == 1
    task_id, run_id = found[0]["task_id"], found[0]["workflow_run_id"]
    assert all(e["task_id"] == task_id and e["workflow_run_id"] == run_id for e in found)
    assert found[0]["data"]["id"] == run_id
    finished = found[-1]["data"]
    assert finished["status"] == "succeeded"
    assert finished["outputs"] == {"echo": "hi"}
    assert set(finished) >= {"id", "workflow_id", "elapsed_time", "total_tokens", "total_steps"}
    assert isinstance(finished["created_at"], int) and isinstance(finished["finished_at"], int)


def test_workflow_run_uses_the_published_version_not_the_draft(emulator, fake):
    run(_api(emulator), TRIAGE).read()
    published = emulator.admin.app(TRIAGE)["published_workflow_ids"][-1]
    assert fake.calls[-1]["graph"] is not None
    found = events(run(_api(emulator), TRIAGE))
    assert found[0]["data"]["workflow_id"] == published
    new = emulator.admin.publish(TRIAGE)
    assert events(run(_api(emulator), TRIAGE))[0]["data"]["workflow_id"] == new
    pinned = events(run(_api(emulator), TRIAGE, workflow_id=published))
    assert pinned[0]["data"]["workflow_id"] == published


def test_never_published_workflow_app_is_a_500(emulator, fake):
    assert not emulator.admin.app(RELEASE_NOTES)["published_workflow_ids"]
    assert_error(run(_api(emulator), RELEASE_NOTES), 500, "Internal Server Error")


def test_workflow_id_rules(emulator, fake):
    api = _api(emulator)
    body = assert_error(run(api, TRIAGE, workflow_id="nope"), 400)
    assert body["message"].startswith("Invalid workflow_id format")
    unknown = run(api, TRIAGE, workflow_id=UNKNOWN_UUID)
    assert_error(unknown, 404, f"Workflow not found with id: {UNKNOWN_UUID}")
    draft = emulator.admin.app(TRIAGE)["draft_workflow_id"]
    body = assert_error(run(api, TRIAGE, workflow_id=draft), 400)
    assert body["message"].startswith("Cannot use draft workflow version")


def test_per_mode_query_rules(emulator, fake):
    api = _api(emulator)
    assert_error(run(api, TRIAGE, query=""), 422, "query_not_supported_for_workflow")
    assert_error(run(api, HELPDESK, query="  "), 422, "query_required_for_chat")
    assert_error(run(api, ONBOARDING), 422, "query_required_for_chat")
    body = assert_error(api.post(f"/apps/{TRIAGE}/run", json={}), 422, "Request validation failed")
    assert body["details"][0]["loc"] == ["inputs"]
    body = assert_error(run(api, HELPDESK, query="q", conversation_id="x"), 422)
    assert "conversation_id must be a valid UUID" in body["details"][0]["msg"]


def test_chat_run_streams_messages_and_message_end(emulator, fake):
    api = _api(emulator)
    found = events(run(api, ONBOARDING, query="hello", conversation_id=""))
    assert names(found) == ["message", "message_end"]
    assert found[0]["answer"] == "echo: hello"
    conversation = found[0]["conversation_id"]
    assert found[0]["message_id"] == found[1]["message_id"]
    assert found[1]["metadata"]["usage"]["total_tokens"] == 7
    again = events(run(api, ONBOARDING, query="again", conversation_id=conversation))
    assert again[0]["conversation_id"] == conversation
    assert_error(
        run(api, ONBOARDING, query="q", conversation_id=UNKNOWN_UUID),
        404,
        "Conversation Not Exists.",
    )


def test_completion_query_defaults_to_empty(emulator, fake):
    events(run(_api(emulator), COPYWRITER))
    assert fake.calls[-1]["query"] == ""


def test_auth_before_validation_and_service_api(emulator, fake):
    assert_error(emulator.client().post(f"/apps/{TRIAGE}/run", json={}), 401)
    emulator.admin.edit_app(TRIAGE, enable_api=False)
    assert_error(run(_api(emulator), TRIAGE), 403, "service_api_disabled")


def test_executor_failure_is_a_failed_run_and_an_error_event(emulator, fake):
    found = events(run(_api(emulator), TRIAGE, inputs={"fail": True}))
    assert names(found)[-2:] == ["workflow_finished", "error"]
    assert found[-2]["data"]["status"] == "failed"
    assert found[-1]["code"] == "invalid_param"
    assert found[-1]["message"] == "Run failed: the executor broke"


def test_scripts_match_by_app_node_and_prompt(emulator, fake):
    api = _api(emulator)
    echoed = events(run(api, TRIAGE, inputs={"ask": "plain prompt"}))
    assert [e["data"]["text"] for e in echoed if e["event"] == "text_chunk"] == ["plain prompt"]
    emulator.admin.script(app_id=TRIAGE, node="LLM", text="scripted!")
    emulator.admin.script(prompt_contains="boom", error="model exploded")
    found = events(run(api, TRIAGE, inputs={"ask": "hello"}))
    assert found[-1]["data"]["outputs"]["text"] == "scripted!"
    failed = events(run(api, TRIAGE, inputs={"ask": "go boom"}))
    assert failed[-1]["event"] == "error"
    assert failed[-2]["data"]["error"] == "model exploded"
    assert len(emulator.admin.scripts()) == 2
    emulator.admin.clear_scripts()
    assert emulator.admin.scripts() == []


def test_ping_keep_alives_while_a_run_waits(emulator, fake):
    emulator.admin.settings(sse_ping_interval_s=0.005)
    api = _api(emulator)
    with api.stream("POST", f"/apps/{TRIAGE}/run", json={"inputs": {"spin": True}}) as response:
        seen: list[str] = []
        task_id = None
        for line in response.iter_lines():
            if line.startswith("data: ") and task_id is None:
                task_id = line.split('"task_id": "')[1].split('"')[0]
            if line == "event: ping":
                seen.append(line)
                if len(seen) == 2 and task_id:
                    api.post(f"/apps/{TRIAGE}/tasks/{task_id}/stop")
    assert len(seen) >= 2


def test_fault_error_event_mid_run(emulator, fake):
    emulator.admin.fault("stream_error", after_events=2, route="POST /apps/{app_id}/run")
    found = events(run(_api(emulator), TRIAGE))
    assert len(found) == 3
    assert found[-1]["event"] == "error" and found[-1]["status"] == 500


def test_fault_dropped_stream(emulator, fake):
    emulator.admin.fault("stream_drop", after_events=2, times=1)
    api = _api(emulator)
    seen: list[str] = []
    try:
        with api.stream("POST", f"/apps/{TRIAGE}/run", json={"inputs": {}}) as response:
            seen.extend(line for line in response.iter_lines() if line.startswith("data: "))
    except httpx.RemoteProtocolError:
        pass
    else:  # pragma: no cover - the drop must be visible to the client
        raise AssertionError("stream ended cleanly")
    assert len(seen) == 2


def test_fault_slow_stream_delays_each_event(emulator, fake, monkeypatch):
    delays: list[float] = []

    async def record(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(emulator.server.emulator, "stream_sleep", record)
    emulator.admin.fault("stream_slow", latency_ms=250, times=1)
    found = events(run(_api(emulator), TRIAGE))
    assert names(found)[-1] == "workflow_finished"
    assert delays == [0.25] * len(found)


def test_advanced_chat_frames_workflow_and_message_events(emulator, fake):
    emulator.admin.publish(HELPDESK)
    found = events(run(_api(emulator), HELPDESK, query="where is the policy?"))
    assert names(found)[0] == "workflow_started"
    assert names(found)[-2:] == ["workflow_finished", "message_end"]
    first = found[0]
    assert first["conversation_id"] and first["message_id"] and first["workflow_run_id"]
    assert all(e["conversation_id"] == first["conversation_id"] for e in found)
    assert fake.calls[-1]["query"] == "where is the policy?"


def test_external_sso_caller_runs_and_owns_its_run(emulator, fake):
    emulator.admin.settings(enterprise=True)
    external = emulator.client(emulator.admin.external_token("eve@partner.example"))
    run_id = events(run(external, TRIAGE))[0]["workflow_run_id"]
    reconnect = f"/apps/{TRIAGE}/tasks/{run_id}/events"
    assert names(events(external.get(reconnect))) == ["workflow_finished"]
    assert_error(_api(emulator).get(reconnect), 404, "Workflow run not found")


def test_app_concurrency_limit_is_429(emulator, fake):
    emulator.admin.settings(max_concurrent_runs_per_app=1)
    api = _api(emulator)
    with api.stream("POST", f"/apps/{TRIAGE}/run", json={"inputs": {"spin": True}}) as first:
        lines = first.iter_lines()
        line = next(line for line in lines if line.startswith("data: "))
        assert_error(run(api, TRIAGE), 429, code="too_many_requests")
        task_id = line.split('"task_id": "')[1].split('"')[0]
        api.post(f"/apps/{TRIAGE}/tasks/{task_id}/stop")
        rest = blocks("\n\n".join(x for x in lines if x) + "\n\n")
    finished = [b for b in rest if b != "ping" and b["event"] == "workflow_finished"]
    assert finished[0]["data"]["status"] == "stopped"
    events(run(api, TRIAGE))  # the slot is free again


def test_runs_are_counted_in_stats(emulator, fake):
    emulator.admin.reset_stats()
    run(_api(emulator), TRIAGE).read()
    assert emulator.admin.stats()["POST /apps/{app_id}/run"] == 1
    assert DEMO.app_id(101) == TRIAGE
