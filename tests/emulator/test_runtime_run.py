"""`POST /apps/{app_id}/run` over real HTTP with the real executor: rules, framing, modes."""

from __future__ import annotations

import dataclasses

from tests.emulator._helpers import (
    ADA,
    COPYWRITER,
    HELPDESK,
    ONBOARDING,
    PROD_HELPDESK,
    RELEASE_NOTES,
    TRIAGE,
    UNKNOWN_UUID,
    assert_error,
)
from tests.emulator._runtime import (
    ACTIONS,
    events,
    human_graph,
    names,
    published_app,
    run,
    run_triage,
)
from tests.support.emulator import DEMO

TRIAGE_NODES = ["1741510800001", "1741510800002", "1741510800003", "1741510800004"]
ADA_CREATED_BY = {"id": DEMO.account_id(1), "name": "Ada Lovelace", "email": ADA}


def _api(emulator):
    return emulator.client(emulator.admin.token(ADA))


def test_demo_triage_runs_end_to_end_in_difys_order(emulator):
    found = events(run_triage(_api(emulator), response_mode="blocking"))
    pairs = ["node_started", "node_finished"]
    chunks = names(found).count("text_chunk")
    assert chunks >= 1
    assert names(found) == [
        "workflow_started", *pairs * 3, "node_started", *["text_chunk"] * chunks,
        "node_finished", "workflow_finished",
    ]  # fmt: skip
    task_id, run_id = found[0]["task_id"], found[0]["workflow_run_id"]
    assert all(e["task_id"] == task_id and e["workflow_run_id"] == run_id for e in found)
    assert found[0]["data"]["id"] == found[-1]["data"]["id"] == run_id
    assert found[0]["data"]["workflow_id"] == DEMO.PUBLISHED_TRIAGE
    assert found[0]["data"]["inputs"]["sys.workflow_run_id"] == run_id
    assert found[0]["data"]["inputs"]["sys.user_id"] == DEMO.account_id(1)
    started = [e["data"]["node_id"] for e in found if e["event"] == "node_started"]
    assert started == TRIAGE_NODES
    finished = found[-1]["data"]
    assert finished["status"] == "succeeded" and finished["error"] is None
    assert finished["created_by"] == ADA_CREATED_BY
    assert set(finished["outputs"]) == {"classification", "ticket_status"}
    assert "Subject: Refund" in finished["outputs"]["classification"]
    assert finished["total_steps"] == 4
    assert isinstance(finished["created_at"], int) and isinstance(finished["finished_at"], int)


def test_workflow_run_uses_the_published_version_not_the_draft(emulator):
    api = _api(emulator)
    published = emulator.admin.app(TRIAGE)["published_workflow_ids"][-1]
    assert published == DEMO.PUBLISHED_TRIAGE
    found = events(run_triage(api))
    assert found[0]["data"]["workflow_id"] == published
    start_inputs = next(e for e in found if e["event"] == "node_finished")["data"]["inputs"]
    assert "tier" not in start_inputs  # the draft's "Customer tier" input is not published
    new = emulator.admin.publish(TRIAGE)
    assert events(run_triage(api))[0]["data"]["workflow_id"] == new
    pinned = events(run_triage(api, workflow_id=published))
    assert pinned[0]["data"]["workflow_id"] == published


def test_never_published_workflow_app_is_a_500(emulator):
    assert not emulator.admin.app(RELEASE_NOTES)["published_workflow_ids"]
    assert_error(run(_api(emulator), RELEASE_NOTES), 500, "Internal Server Error")


def test_a_missing_required_input_is_a_500_before_the_stream(emulator):
    """Dify's `_prepare_user_inputs` raises a ValueError before streaming (→ 500)."""
    api = _api(emulator)
    assert_error(run(api, TRIAGE, inputs={"subject": "only"}), 500, "Internal Server Error")
    assert_error(run(api, TRIAGE, inputs={"subject": "", "body": "b"}), 500)


def test_a_graph_dify_would_not_build_is_a_500_before_the_stream(emulator):
    api = _api(emulator)
    app_id = published_app(emulator, api, human_graph())
    store = emulator.server.emulator.store.apps
    published = store.published_workflows(app_id)[-1]
    graph = published.graph
    review = next(n for n in graph["nodes"] if n["id"] == "review")
    review["data"]["user_actions"] = [*ACTIONS, ACTIONS[0]]  # a repeated action id
    store.upsert_workflow(dataclasses.replace(published, graph=graph))
    assert_error(run(api, app_id, inputs={"word": "x"}), 500, "Internal Server Error")


def test_workflow_id_rules(emulator):
    api = _api(emulator)
    body = assert_error(run_triage(api, workflow_id="nope"), 400)
    assert body["message"].startswith("Invalid workflow_id format")
    unknown = run_triage(api, workflow_id=UNKNOWN_UUID)
    assert_error(unknown, 404, f"Workflow not found with id: {UNKNOWN_UUID}")
    draft = emulator.admin.app(TRIAGE)["draft_workflow_id"]
    body = assert_error(run_triage(api, workflow_id=draft), 400)
    assert body["message"].startswith("Cannot use draft workflow version")


def test_per_mode_query_rules(emulator):
    api = _api(emulator)
    assert_error(run_triage(api, query=""), 422, "query_not_supported_for_workflow")
    assert_error(run(api, HELPDESK, query="  "), 422, "query_required_for_chat")
    assert_error(run(api, ONBOARDING), 422, "query_required_for_chat")
    body = assert_error(api.post(f"/apps/{TRIAGE}/run", json={}), 422, "Request validation failed")
    assert body["details"][0]["loc"] == ["inputs"]
    body = assert_error(run(api, HELPDESK, query="q", conversation_id="x"), 422)
    assert "conversation_id must be a valid UUID" in body["details"][0]["msg"]


def test_chat_run_streams_messages_and_message_end(emulator):
    api = _api(emulator)
    found = events(run(api, ONBOARDING, inputs={"name": "Lin"}, query="hello", conversation_id=""))
    assert names(found) == ["message"] * (len(found) - 1) + ["message_end"]
    answer = "".join(e["answer"] for e in found[:-1])
    assert answer.startswith("You are a friendly onboarding buddy for Lin,")
    assert answer.endswith("hello")
    conversation, message = found[0]["conversation_id"], found[0]["message_id"]
    assert conversation and message
    assert all(e["conversation_id"] == conversation and e["message_id"] == message for e in found)
    assert all(e["id"] == message for e in found)
    assert "workflow_run_id" not in found[0]
    usage = found[-1]["metadata"]["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    again = events(run(api, ONBOARDING, query="again", conversation_id=conversation))
    assert again[0]["conversation_id"] == conversation
    assert again[0]["message_id"] != message
    assert_error(
        run(api, ONBOARDING, query="q", conversation_id=UNKNOWN_UUID),
        404,
        "Conversation Not Exists.",
    )


def test_completion_runs_without_a_query(emulator):
    found = events(run(_api(emulator), COPYWRITER, inputs={"product": "a kettle"}))
    assert names(found)[-1] == "message_end"
    assert set(names(found)[:-1]) == {"message"}
    answer = "".join(e["answer"] for e in found[:-1])
    assert answer.startswith("Write a product page section for a kettle aimed at")
    assert found[0]["conversation_id"] and found[0]["message_id"]


def test_advanced_chat_frames_workflow_and_message_events(emulator):
    api = _api(emulator)
    found = events(run(api, PROD_HELPDESK, query="where is the travel policy?"))
    assert names(found)[0] == "workflow_started"
    assert names(found)[-2:] == ["workflow_finished", "message_end"]
    assert names(found).count("workflow_started") == names(found).count("workflow_finished") == 1
    first = found[0]
    run_id = first["workflow_run_id"]
    assert first["conversation_id"] and first["message_id"] and run_id
    assert first["data"]["id"] == found[-2]["data"]["id"] == run_id
    assert first["data"]["inputs"]["sys.query"] == "where is the travel policy?"
    assert all(e["conversation_id"] == first["conversation_id"] for e in found)
    assert all(e["message_id"] == first["message_id"] for e in found)
    answer = "".join(e["answer"] for e in found if e["event"] == "message")
    assert answer.endswith("where is the travel policy?")
    assert found[-2]["data"]["outputs"] == {"answer": answer}
    assert found[-2]["data"]["created_by"] == ADA_CREATED_BY


def test_auth_before_validation_and_service_api(emulator):
    assert_error(emulator.client().post(f"/apps/{TRIAGE}/run", json={}), 401)
    emulator.admin.edit_app(TRIAGE, enable_api=False)
    assert_error(run_triage(_api(emulator)), 403, "service_api_disabled")


def test_external_sso_caller_runs_and_owns_its_run(emulator):
    emulator.admin.settings(enterprise=True)
    external = emulator.client(emulator.admin.external_token("eve@partner.example"))
    found = events(run_triage(external))
    run_id = found[0]["workflow_run_id"]
    assert found[-1]["data"]["created_by"]["user"].endswith("eve@partner.example")
    reconnect = f"/apps/{TRIAGE}/tasks/{run_id}/events"
    assert names(events(external.get(reconnect))) == ["workflow_finished"]
    assert_error(_api(emulator).get(reconnect), 404, "Workflow run not found")


def test_runs_are_counted_in_stats(emulator):
    emulator.admin.reset_stats()
    run_triage(_api(emulator)).read()
    assert emulator.admin.stats()["POST /apps/{app_id}/run"] == 1
    assert DEMO.app_id(101) == TRIAGE
