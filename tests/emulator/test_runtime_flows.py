"""What a run does, over real HTTP with the real executor: branches, scripted replies and
errors with Dify's closing events, conversation variables, stream faults; and, with the
stand-in executor, the two behaviours the real one cannot give on demand."""

from __future__ import annotations

import time

import httpx

from tests.emulator._helpers import ADA, HELPDESK, ONBOARDING, TRIAGE, assert_error
from tests.emulator._runtime import (
    blocks,
    branch_graph,
    events,
    fake,
    names,
    published_app,
    run,
    run_triage,
)

__all__ = ["fake"]

CLASSIFY = "Classify ticket"  # the triage app's LLM node


def _api(emulator):
    return emulator.client(emulator.admin.token(ADA))


def _ran(found):
    return [e["data"]["node_id"] for e in found if e["event"] == "node_finished"]


def test_an_input_chooses_the_if_else_branch(emulator):
    api = _api(emulator)
    app_id = published_app(emulator, api, branch_graph())
    urgent = events(run(api, app_id, inputs={"priority": "urgent"}))
    assert _ran(urgent) == ["start", "if", "page"]
    assert urgent[-1]["data"]["outputs"] == {"route": "urgent"}
    decided = next(
        e for e in urgent if e["event"] == "node_finished" and e["data"]["node_id"] == "if"
    )
    assert decided["data"]["outputs"]["result"] is True
    low = events(run(api, app_id, inputs={"priority": "low"}))
    assert _ran(low) == ["start", "if", "queue"]
    assert low[-1]["data"]["outputs"] == {"queued": "low"}


def test_a_scripted_llm_reply_appears_in_the_outputs(emulator):
    api = _api(emulator)
    emulator.admin.script(app_id=TRIAGE, node=CLASSIFY, text='{"category": "billing"}', tokens=9)
    found = events(run_triage(api))
    finished = found[-1]["data"]
    assert finished["outputs"]["classification"] == '{"category": "billing"}'
    chunks = "".join(e["data"]["text"] for e in found if e["event"] == "text_chunk")
    assert chunks == '{"category": "billing"}'
    assert finished["total_tokens"] >= 9
    other_node = emulator.admin.script(node="no such node", text="never")
    assert other_node["id"] and len(emulator.admin.scripts()) == 2
    emulator.admin.clear_scripts()
    assert emulator.admin.scripts() == []
    echoed = events(run_triage(api))[-1]["data"]["outputs"]["classification"]
    assert "Subject: Refund" in echoed


def test_a_scripted_error_fails_a_workflow_run_at_workflow_finished(emulator):
    """Dify's workflow pipeline ends a failed run with `workflow_finished` alone."""
    emulator.admin.script(prompt_contains="charged twice", error="model exploded")
    found = events(run_triage(_api(emulator)))
    assert names(found)[-1] == "workflow_finished"
    assert "error" not in names(found)
    failed_node = [e["data"] for e in found if e["event"] == "node_finished"][-1]
    assert (failed_node["title"], failed_node["status"]) == (CLASSIFY, "failed")
    finished = found[-1]["data"]
    assert (finished["status"], finished["error"]) == ("failed", "model exploded")


def test_a_scripted_error_fails_an_advanced_chat_run_with_run_failed(emulator):
    emulator.admin.publish(HELPDESK)
    emulator.admin.script(app_id=HELPDESK, error="model exploded")
    found = events(run(_api(emulator), HELPDESK, query="leave?"))
    assert names(found)[-2:] == ["workflow_finished", "error"]
    assert "message_end" not in names(found)
    assert found[-2]["data"]["status"] == "failed"
    error = found[-1]
    assert (error["status"], error["code"]) == (400, "invalid_param")
    assert error["message"] == "Run failed: model exploded"
    assert error["conversation_id"] == found[0]["conversation_id"]


def test_a_scripted_error_fails_a_chat_run_with_an_error_event(emulator):
    emulator.admin.script(app_id=ONBOARDING, error="quota gone")
    found = events(run(_api(emulator), ONBOARDING, query="hi"))
    assert names(found) == ["error"]
    assert (found[0]["status"], found[0]["code"]) == (400, "completion_request_error")
    assert found[0]["message"] == "quota gone"


def test_conversation_variables_carry_over_within_a_conversation(emulator):
    api = _api(emulator)
    emulator.admin.publish(HELPDESK)

    def assigned(found):
        (node,) = [
            e
            for e in found
            if e["event"] == "node_finished" and e["data"]["node_type"] == "assigner"
        ]
        return {
            tuple(v["selector"]): v["value"]
            for v in node["data"]["process_data"]["updated_variables"]
        }

    first = events(run(api, HELPDESK, query="parental leave"))
    conversation = first[0]["conversation_id"]
    assert assigned(first)[("conversation", "turn_count")] == 1
    second = events(run(api, HELPDESK, query="travel", conversation_id=conversation))
    assert assigned(second) == {
        ("conversation", "last_topic"): "travel",
        ("conversation", "turn_count"): 2,
    }
    fresh = events(run(api, HELPDESK, query="travel"))
    assert assigned(fresh)[("conversation", "turn_count")] == 1


def test_slow_stream_with_a_scripted_delay_does_not_wait_for_real(emulator, monkeypatch):
    """Two waits, two knobs: the `stream_slow` fault delays each event's delivery
    (`Emulator.stream_sleep`), a script's `delay_s` keeps the run's thread in its node
    (`Clock.wait`); this test records both instead of sleeping them."""
    delays: list[float] = []
    node_waits: list[float] = []

    async def record(seconds: float) -> None:
        delays.append(seconds)

    def record_wait(seconds: float, interrupt: object) -> bool:
        node_waits.append(seconds)
        return False  # not interrupted: the delay "passed"

    served = emulator.server.emulator
    monkeypatch.setattr(served, "stream_sleep", record)
    monkeypatch.setattr(served.clock, "wait", record_wait)
    emulator.admin.fault("stream_slow", latency_ms=250, times=1)
    emulator.admin.script(node=CLASSIFY, text="slow answer", delay_s=30)
    began = time.monotonic()
    found = events(run_triage(_api(emulator)))
    assert time.monotonic() - began < 5  # neither the 30 s nor the 250 ms were slept
    assert names(found)[-1] == "workflow_finished"
    assert delays == [0.25] * len(found)
    assert node_waits == [30]
    llm = next(e for e in found if e["event"] == "node_finished" and e["data"]["title"] == CLASSIFY)
    assert llm["data"]["elapsed_time"] >= 30
    assert found[-1]["data"]["outputs"]["classification"] == "slow answer"


def test_fault_error_event_mid_run(emulator):
    emulator.admin.fault("stream_error", after_events=2, route="POST /apps/{app_id}/run")
    found = events(run_triage(_api(emulator)))
    assert len(found) == 3
    assert found[-1]["event"] == "error" and found[-1]["status"] == 500


def test_fault_dropped_stream(emulator):
    emulator.admin.fault("stream_drop", after_events=2, times=1)
    api = _api(emulator)
    seen: list[str] = []
    body = {"inputs": {"subject": "s", "body": "b"}}
    try:
        with api.stream("POST", f"/apps/{TRIAGE}/run", json=body) as response:
            seen.extend(line for line in response.iter_lines() if line.startswith("data: "))
    except httpx.RemoteProtocolError:
        pass
    else:  # pragma: no cover - the drop must be visible to the client
        raise AssertionError("stream ended cleanly")
    assert len(seen) == 2


def test_an_executor_bug_ends_the_stream_with_a_500_error_event(emulator, fake):
    """Stand-in: the real executor does not raise. Dify's worker publishes an unexpected
    exception as a QueueErrorEvent: one `error`, 500, and no workflow_finished."""
    found = events(run_triage(_api(emulator), inputs={"fail": True}))
    assert names(found) == ["workflow_started", "error"]
    assert (found[-1]["status"], found[-1]["code"]) == (500, "internal_server_error")
    run_id = found[0]["workflow_run_id"]
    stored = emulator.server.emulator.store.runs.run(run_id)
    assert stored is not None and stored.status == "failed"


def test_app_concurrency_limit_is_429(emulator, fake):
    """Stand-in: only it keeps a run running (not paused) until it is stopped."""
    emulator.admin.settings(max_concurrent_runs_per_app=1)
    api = _api(emulator)
    body = {"inputs": {"subject": "s", "body": "b", "spin": True}}
    with api.stream("POST", f"/apps/{TRIAGE}/run", json=body) as first:
        lines = first.iter_lines()
        line = next(line for line in lines if line.startswith("data: "))
        assert_error(run_triage(api), 429, code="too_many_requests")
        task_id = line.split('"task_id": "')[1].split('"')[0]
        api.post(f"/apps/{TRIAGE}/tasks/{task_id}/stop")
        rest = blocks("\n\n".join(x for x in lines if x) + "\n\n")
    finished = [b for b in rest if b != "ping" and b["event"] == "workflow_finished"]
    assert finished[0]["data"]["status"] == "stopped"
    events(run_triage(api))  # the slot is free again
