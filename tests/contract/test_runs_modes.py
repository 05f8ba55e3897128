"""Running apps of every mode through the client against the emulator over real HTTP:
typed events in Dify's order, what a run came to, the per-mode rules (the client's own
and the server's), the answers before a stream starts, and scripted node responses
(their delays included: a delayed node keeps its run running)."""

from __future__ import annotations

import pytest

from dify_client import (
    BadRequestError,
    DifyClient,
    NotFoundError,
    RateLimitError,
    RunFailed,
    RunRequestError,
    ServerError,
    UnprocessableEntityError,
)
from dify_client.models import (
    AgentMessage,
    AgentThought,
    MessageEnd,
    MessageEvent,
    NodeFinished,
    NodeStarted,
    TextChunk,
    WorkflowFinished,
    WorkflowStarted,
)
from tests.support.emulator import DEMO, EmulatorHandle
from tests.support.runs import (
    BUDDY,
    COPYWRITER,
    DIGEST,
    HELPDESK,
    TICKET,
    TRIAGE,
)

LLM = "Classify ticket"  # the triage app's LLM node
TRIAGE_NODES = ["1741510800001", "1741510800002", "1741510800003", "1741510800004"]
AGENT_CHAT = DEMO.app_id(105)
AGENT = DEMO.app_id(107)  # mode "agent": not runnable through the OpenAPI


def run_posts(emulator: EmulatorHandle) -> int:
    return emulator.admin.stats().get("POST /apps/{app_id}/run", 0)


def test_a_workflow_run_streams_typed_events_in_dify_order(dify: DifyClient) -> None:
    with dify.runs.stream(TRIAGE, inputs=TICKET, mode="workflow") as stream:
        events = [e for e in stream if e.event != "ping"]
        result = stream.result()
    assert isinstance(events[0], WorkflowStarted) and isinstance(events[-1], WorkflowFinished)
    nodes = [e for e in events if isinstance(e, NodeStarted | NodeFinished)]
    assert [(type(e).__name__, e.node_id) for e in nodes] == [
        (kind, node_id) for node_id in TRIAGE_NODES for kind in ("NodeStarted", "NodeFinished")
    ]
    assert any(isinstance(e, TextChunk) for e in events)
    run_ids = {e.workflow_run_id for e in events}
    task_ids = {e.task_id for e in events}
    assert run_ids == {result.run_id} and task_ids == {result.task_id} and None not in run_ids
    assert stream.task_id == result.task_id and stream.run_id == result.run_id


def test_a_workflow_run_result_has_outputs_ids_trail_time_and_tokens(dify: DifyClient) -> None:
    result = dify.runs.run(TRIAGE, inputs=TICKET, mode="workflow")
    assert result.status == "succeeded" and result.error is None
    assert set(result.outputs) == {"classification", "ticket_status"}
    assert "Subject: Refund" in result.outputs["classification"]  # the echoed prompt
    assert result.run_id and result.task_id and result.run_id != result.task_id
    assert [(n.node_id, n.node_type, n.status) for n in result.nodes] == [
        ("1741510800001", "start", "succeeded"),
        ("1741510800002", "llm", "succeeded"),
        ("1741510800003", "http-request", "succeeded"),
        ("1741510800004", "end", "succeeded"),
    ]
    assert result.nodes[1].title == "Classify ticket"
    assert all(n.elapsed_time is not None for n in result.nodes)
    assert result.elapsed_time is not None and result.elapsed_time >= 0
    assert result.total_tokens is not None and result.total_tokens > 0
    assert result.answer is None and result.conversation_id is None


def test_a_scripted_reply_appears_in_the_outputs(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    reply = '{"category": "billing", "priority": "urgent"}'
    emulator.admin.script(app_id=TRIAGE, node="Classify ticket", text=reply, tokens=17)
    result = dify.runs.run(TRIAGE, inputs=TICKET)
    assert result.outputs["classification"] == reply
    # A script's tokens are the completion's; the prompt's are counted on top of them.
    emulator.admin.script(app_id=TRIAGE, node="Classify ticket", text=reply, tokens=117)
    more = dify.runs.run(TRIAGE, inputs=TICKET)
    assert result.total_tokens is not None and more.total_tokens == result.total_tokens + 100


def test_a_failed_workflow_run_is_a_failed_result_with_the_nodes_error(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    # Dify's workflow pipeline ends a failed run with `workflow_finished` (status failed)
    # and no `error` event (generate_task_pipeline._handle_workflow_failed_and_stop_events).
    emulator.admin.script(app_id=TRIAGE, node="1741510800002", error="quota exceeded")
    result = dify.runs.run(TRIAGE, inputs=TICKET)
    assert result.status == "failed" and "quota exceeded" in (result.error or "")
    failed_nodes = [n for n in result.nodes if n.status == "failed"]
    assert [n.node_id for n in failed_nodes] == ["1741510800002"]
    assert result.task_id and result.run_id
    assert run_posts(emulator) == 1


def test_a_failed_chatflow_run_raises_run_failed_with_code_and_message(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    # Advanced-chat ends with `workflow_finished` then an `error` event "Run failed: …".
    emulator.admin.publish(HELPDESK)
    emulator.admin.script(app_id=HELPDESK, error="quota exceeded")
    with pytest.raises(RunFailed) as caught:
        dify.runs.run(HELPDESK, inputs={}, query="Days off?", mode="advanced-chat")
    failed = caught.value
    assert failed.code and "quota exceeded" in failed.message
    assert failed.task_id and failed.run_id
    assert failed.result is not None and failed.result.status == "failed"
    assert run_posts(emulator) == 1


def test_a_chat_app_answers_with_message_events_and_a_conversation(dify: DifyClient) -> None:
    with dify.runs.stream(BUDDY, inputs={}, query="Where is the canteen?", mode="chat") as s:
        events = [e for e in s if e.event != "ping"]
        result = s.result()
    messages = [e for e in events if isinstance(e, MessageEvent)]
    assert messages and isinstance(events[-1], MessageEnd)
    assert result.status == "succeeded"
    assert result.answer == "".join(m.answer for m in messages)
    assert "Where is the canteen?" in result.answer  # the default echoes the prompt
    assert result.conversation_id and result.message_id and result.task_id
    assert result.run_id is None  # chat apps have no workflow run
    again = dify.runs.run(
        BUDDY, inputs={}, query="And the library?", conversation_id=result.conversation_id
    )
    assert again.conversation_id == result.conversation_id


def test_an_advanced_chat_app_runs_its_published_workflow(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    emulator.admin.publish(HELPDESK)
    result = dify.runs.run(HELPDESK, inputs={}, query="How many days off?", mode="advanced-chat")
    assert result.status == "succeeded"
    assert result.answer and result.conversation_id and result.run_id and result.message_id
    assert result.nodes and result.nodes[0].node_type == "start"


def test_a_completion_app_runs_without_a_query(dify: DifyClient, emulator: EmulatorHandle) -> None:
    result = dify.runs.run(COPYWRITER, inputs={"product": "a kettle"}, mode="completion")
    assert result.status == "succeeded"
    assert result.message_id and result.task_id and result.run_id is None
    assert run_posts(emulator) == 1


@pytest.mark.parametrize(
    ("app_id", "mode", "query", "conversation_id", "code"),
    [
        (BUDDY, "chat", None, None, "query_required_for_chat"),
        (BUDDY, "agent-chat", "  ", None, "query_required_for_chat"),
        (HELPDESK, "advanced-chat", "", None, "query_required_for_chat"),
        (TRIAGE, "workflow", "", None, "query_not_supported_for_workflow"),
        (AGENT, "agent", "hi", None, "mode_not_runnable"),
        (BUDDY, "chat", "hi", "not-a-uuid", "invalid_conversation_id"),
    ],
)
def test_per_mode_rules_are_raised_before_any_request(
    dify: DifyClient,
    emulator: EmulatorHandle,
    app_id: str,
    mode: str,
    query: str | None,
    conversation_id: str | None,
    code: str,
) -> None:
    emulator.admin.reset_stats()
    with pytest.raises(RunRequestError) as caught:
        dify.runs.run(app_id, inputs={}, query=query, conversation_id=conversation_id, mode=mode)
    assert caught.value.code == code
    assert emulator.admin.stats() == {}


@pytest.mark.parametrize(
    ("app_id", "query", "code"),
    [
        (BUDDY, None, "query_required_for_chat"),
        (TRIAGE, "", "query_not_supported_for_workflow"),
        (AGENT, "hi", "mode_not_runnable"),
    ],
)
def test_without_the_mode_the_server_refuses_with_its_own_422(
    dify: DifyClient, emulator: EmulatorHandle, app_id: str, query: str | None, code: str
) -> None:
    inputs = TICKET if app_id == TRIAGE else {}
    with pytest.raises(UnprocessableEntityError) as caught:
        dify.runs.run(app_id, inputs=inputs, query=query)
    # Werkzeug's UnprocessableEntity(rule): the ErrorBody maps 422 to invalid_param.
    assert caught.value.status_code == 422 and caught.value.code == "invalid_param"
    assert caught.value.message == code
    assert run_posts(emulator) == 1


def test_a_never_published_workflow_app_answers_workflow_not_published(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    # Dify's AppGenerateService raises ValueError("Workflow not published"); app_run.py
    # turns any non-HTTP exception into InternalServerError, whose message never leaks.
    with pytest.raises(ServerError) as caught:
        dify.runs.run(DIGEST, inputs={}, mode="workflow")
    assert caught.value.status_code == 500 and caught.value.code == "internal_server_error"
    assert caught.value.message == "Internal Server Error"
    assert run_posts(emulator) == 1  # never retried


def test_an_error_body_before_the_stream_raises_the_typed_error_without_a_retry(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    emulator.admin.fault("server_error", route="POST /apps/{app_id}/run", status=503, times=1)
    with pytest.raises(ServerError) as caught:
        dify.runs.run(TRIAGE, inputs=TICKET)
    assert caught.value.status_code == 503
    assert run_posts(emulator) == 1
    assert dify.runs.run(TRIAGE, inputs=TICKET).status == "succeeded"


def test_workflow_id_runs_that_published_version_and_refuses_others(
    dify: DifyClient,
) -> None:
    result = dify.runs.run(TRIAGE, inputs=TICKET, workflow_id=DEMO.PUBLISHED_TRIAGE)
    assert result.status == "succeeded"
    with pytest.raises(BadRequestError):  # the draft is not a published version
        dify.runs.run(TRIAGE, inputs=TICKET, workflow_id=DEMO.workflow_id(101))
    with pytest.raises(NotFoundError):
        dify.runs.run(TRIAGE, inputs=TICKET, workflow_id="00000000-0000-4000-8000-0000000000ee")


def test_an_import_changes_only_the_draft_until_it_is_published(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    text = dify.dsl.export(TRIAGE, include_secret=True)
    dify.dsl.import_(
        DEMO.ACME_DEV,
        yaml_content=text.replace("title: Classify ticket", "title: Sort ticket"),
        app_id=TRIAGE,
        raise_on_failure=True,
    )
    before = dify.runs.run(TRIAGE, inputs=TICKET)
    assert [n.title for n in before.nodes][1] == "Classify ticket"  # still the published one
    emulator.admin.publish(TRIAGE)
    after = dify.runs.run(TRIAGE, inputs=TICKET)
    assert [n.title for n in after.nodes][1] == "Sort ticket"


def test_an_agent_chat_app_streams_agent_messages_and_thoughts(dify: DifyClient) -> None:
    with dify.runs.stream(AGENT_CHAT, inputs={}, query="Compare kettles", mode="agent-chat") as s:
        events = [e for e in s if e.event != "ping"]
        result = s.result()
    names = [e.event for e in events]
    assert names[0] == "agent_thought" and names[-1] == "message_end"
    assert all(isinstance(e, AgentMessage) for e in events if e.event == "agent_message")
    assert any(isinstance(e, AgentThought) for e in events)
    assert result.status == "succeeded" and "Compare kettles" in (result.answer or "")


def test_an_unknown_conversation_is_404(dify: DifyClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        dify.runs.run(
            BUDDY, inputs={}, query="hi", conversation_id="00000000-0000-4000-8000-0000000000cc"
        )
    assert caught.value.message == "Conversation Not Exists."


def test_a_429_before_the_stream_is_typed_and_the_post_not_retried(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    emulator.admin.fault("rate_limit", route="POST /apps/{app_id}/run", times=1)
    with pytest.raises(RateLimitError):
        dify.runs.run(TRIAGE, inputs=TICKET)
    assert run_posts(emulator) == 1


def test_a_completion_app_answers_from_its_rendered_pre_prompt(dify: DifyClient) -> None:
    inputs = {"product": "a kettle", "audience": "developers"}
    with dify.runs.stream(COPYWRITER, inputs=inputs, mode="completion") as stream:
        events = list(stream)
        result = stream.result()
    assert any(isinstance(e, MessageEvent) for e in events)
    assert result.answer and "Write a product page section for a kettle" in result.answer
    assert result.total_tokens


def test_a_chat_app_answers_from_its_rendered_pre_prompt(dify: DifyClient) -> None:
    inputs = {"name": "Grace", "department": "Research"}
    result = dify.runs.run(BUDDY, inputs=inputs, query="Where is the canteen?", mode="chat")
    assert result.answer and "onboarding buddy for Grace" in result.answer


def test_a_missing_required_input_is_refused_before_the_stream(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    """Dify checks the inputs in WorkflowAppGenerator.generate, before the stream: a
    ValueError behind app_run.py's `except Exception` → 500."""
    with pytest.raises(ServerError) as caught:
        dify.runs.run(TRIAGE, inputs={"subject": "Refund"})  # no `body`
    assert caught.value.status_code == 500
    assert emulator.admin.stats()["POST /apps/{app_id}/run"] == 1


def test_app_concurrency_is_429_while_a_delayed_run_streams(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    # The 2 s delay is a margin, not a wait: the next test's reset stops the first run.
    emulator.admin.settings(max_concurrent_runs_per_app=1)
    emulator.admin.script(app_id=TRIAGE, node=LLM, text="slow", delay_s=2.0)
    with dify.runs.stream(TRIAGE, inputs=TICKET) as first:
        next(first)
        with pytest.raises(RateLimitError):
            dify.runs.run(TRIAGE, inputs=TICKET)


def test_a_runs_elapsed_time_covers_its_delayed_node(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    delay = 0.3  # waited for real: kept short
    emulator.admin.script(app_id=TRIAGE, node=LLM, text="slow", delay_s=delay)
    result = dify.runs.run(TRIAGE, inputs=TICKET)
    (llm,) = [n for n in result.nodes if n.title == LLM]
    assert llm.elapsed_time is not None and llm.elapsed_time >= delay
    assert result.elapsed_time is not None and result.elapsed_time >= llm.elapsed_time


# These tests inject faults and read counters by S2 route keys (`POST /apps/{app_id}/run`…);
# the S3 routes run the same handlers, and tests/contract/test_generations.py covers them.
pytestmark = pytest.mark.generations("s2")
