"""Dify's S3 draft test runs and run history over real HTTP.

As Dify's `api/controllers/openapi/app_run.py` (`/draft/workflow:run`,
`/draft/advanced-chat:run`) and `app_workflow.py` (`/runs`, `/runs/{id}`,
`/runs/{id}/nodes`): a test run executes the draft and is recorded as "debugging";
the history lists one kind of run at a time, "debugging" unless asked.
"""

from __future__ import annotations

import pytest

from dify_client import DifyClient, NotFoundError
from dify_client._errors import APIStatusError, UnsupportedOperationError
from tests.support.emulator import DEMO, EmulatorHandle
from tests.support.runs import BUDDY, HELPDESK, TICKET, TRIAGE

S3 = pytest.mark.generations("s3")


def _renamed_output_draft(dify: DifyClient, app_id: str) -> None:
    """Overwrite the draft with one whose end node names its output `verdict`."""
    text = dify.dsl.export(app_id)
    assert "variable: classification" in text
    edited = text.replace("variable: classification", "variable: verdict")
    assert dify.dsl.import_(DEMO.ACME_DEV, yaml_content=edited, app_id=app_id).is_completed


@S3
def test_a_test_run_runs_the_draft_while_a_normal_run_runs_the_published_version(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    _renamed_output_draft(dify, TRIAGE)
    emulator.admin.reset_stats()

    tested = dify.runs.test(TRIAGE, inputs=TICKET)
    live = dify.runs.run(TRIAGE, inputs=TICKET)

    assert "verdict" in tested.outputs and "classification" not in tested.outputs
    assert "classification" in live.outputs and "verdict" not in live.outputs
    stats = emulator.admin.stats()
    assert stats["POST /apps/{app_id}/draft/workflow:run"] == 1
    assert stats["POST /apps/{app_id}/workflow:run"] == 1


@S3
def test_history_lists_test_runs_by_default_and_normal_runs_when_asked(
    dify: DifyClient,
) -> None:
    first = dify.runs.test(TRIAGE, inputs=TICKET)
    normal = dify.runs.run(TRIAGE, inputs=TICKET)
    second = dify.runs.test(TRIAGE, inputs=TICKET)

    debugging = dify.runs.history(TRIAGE)
    assert [r.id for r in debugging] == [second.run_id, first.run_id]
    assert debugging[0].version == "draft" and debugging[0].status == "succeeded"
    assert debugging[0].created_by_account is not None
    assert debugging[0].created_by_account.email == "ada@acme.example"

    app_runs = dify.runs.history(TRIAGE, triggered_from="app-run")
    assert [r.id for r in app_runs] == [normal.run_id]
    assert app_runs[0].version != "draft"

    assert [r.id for r in dify.runs.history(TRIAGE, limit=1)] == [second.run_id]
    assert dify.runs.history(TRIAGE, status="failed") == []


@S3
def test_history_follows_pages_newest_first(dify: DifyClient, emulator: EmulatorHandle) -> None:
    ids = [dify.runs.test(TRIAGE, inputs=TICKET).run_id for _ in range(3)]
    with emulator.client(emulator.admin.token()) as raw:
        page = raw.get(f"/apps/{TRIAGE}/runs", params={"limit": 2}).json()
        rest = raw.get(
            f"/apps/{TRIAGE}/runs", params={"limit": 2, "last_id": page["data"][-1]["id"]}
        ).json()
    assert page["has_more"] and [r["id"] for r in page["data"]] == ids[:0:-1]
    assert page["hints"][0]["op"] == "get.run"
    assert page["hints"][0]["input"]["last_id"] == ids[1]
    assert not rest["has_more"] and [r["id"] for r in rest["data"]] == [ids[0]]
    assert "hints" not in rest
    assert [r.id for r in dify.runs.history(TRIAGE, limit=5)] == ids[::-1]


@S3
def test_describe_and_nodes_show_what_the_run_did(dify: DifyClient) -> None:
    result = dify.runs.test(TRIAGE, inputs=TICKET)
    assert result.run_id is not None

    detail = dify.runs.describe(TRIAGE, result.run_id)
    steps = dify.runs.nodes(TRIAGE, result.run_id)

    assert detail.id == result.run_id and detail.status == "succeeded"
    assert detail.inputs == TICKET and detail.outputs == result.outputs
    assert detail.version == "draft" and detail.created_by_role == "account"
    assert isinstance(detail.graph, dict) and detail.graph.get("nodes")
    assert detail.total_steps == len(steps) > 0
    assert [s.index for s in steps] == sorted(s.index for s in steps if s.index is not None)
    assert steps[0].node_type == "start" and steps[-1].node_type == "end"
    assert all(s.status == "succeeded" for s in steps)
    assert steps[-1].outputs == result.outputs


@S3
def test_an_unknown_run_is_run_not_found(dify: DifyClient, emulator: EmulatorHandle) -> None:
    for run_id in ("00000000-0000-4000-8000-00000000dead", "not-a-uuid"):
        with pytest.raises(NotFoundError) as caught:
            dify.runs.describe(TRIAGE, run_id)
        assert caught.value.code == "run_not_found"
        with pytest.raises(NotFoundError):
            dify.runs.nodes(TRIAGE, run_id)
    # Another app's run is not found under this one either.
    run_id = dify.runs.test(TRIAGE, inputs=TICKET).run_id
    assert run_id is not None
    with pytest.raises(NotFoundError):
        dify.runs.describe(HELPDESK, run_id)


@S3
def test_a_chatflow_draft_can_be_tested_before_it_is_ever_published(dify: DifyClient) -> None:
    with pytest.raises(APIStatusError) as caught:
        dify.runs.run(HELPDESK, inputs={}, query="Where is my order?")
    assert caught.value.status == 500  # Dify: "Workflow not published"

    tested = dify.runs.test(HELPDESK, inputs={}, query="Where is my order?")

    assert tested.run_id is not None
    [record] = dify.runs.history(HELPDESK)
    assert record.id == tested.run_id and record.status == "succeeded"


@S3
def test_a_test_run_only_serves_its_own_mode(dify: DifyClient, emulator: EmulatorHandle) -> None:
    with emulator.client(emulator.admin.token()) as raw:
        wrong = raw.post(f"/apps/{HELPDESK}/draft/workflow:run", json={"inputs": {}})
        chat = raw.get(f"/apps/{BUDDY}/runs")
    assert wrong.status_code == 422 and wrong.json()["code"] == "app_mode_mismatch"
    assert chat.status_code == 422 and chat.json()["code"] == "app_mode_mismatch"
    with pytest.raises(ValueError, match="chat"):
        dify.runs.test(BUDDY, inputs={}, query="hi")


@pytest.mark.generations("s2")
def test_an_s2_server_has_no_test_runs_or_history(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    emulator.admin.reset_stats()
    run_id = "00000000-0000-4000-8000-00000000dead"
    for call in (
        lambda: dify.runs.test(TRIAGE, inputs=TICKET),
        lambda: dify.runs.test_stream(TRIAGE, inputs=TICKET, mode="workflow"),
        lambda: dify.runs.history(TRIAGE),
        lambda: dify.runs.describe(TRIAGE, run_id),
        lambda: dify.runs.nodes(TRIAGE, run_id),
    ):
        with pytest.raises(UnsupportedOperationError):
            call()
    assert not any("runs" in route or "draft" in route for route in emulator.admin.stats())


@S3
def test_history_refuses_a_filter_dify_does_not_know_before_sending(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    dify.runs.history(TRIAGE)  # reads the catalog once
    emulator.admin.reset_stats()
    with pytest.raises(ValueError, match="triggered_from"):
        dify.runs.history(TRIAGE, triggered_from="webhook")
    with pytest.raises(ValueError, match="status"):
        dify.runs.history(TRIAGE, status="done")
    assert not any("runs" in route for route in emulator.admin.stats())
    with emulator.client(emulator.admin.token()) as raw:
        answer = raw.get(f"/apps/{TRIAGE}/runs", params={"triggered_from": "webhook"})
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_param"
