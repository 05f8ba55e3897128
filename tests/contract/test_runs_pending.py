"""Runtime contract tests that fail on emulator bugs (emulator/ is another engineer's;
these are left failing on purpose, not marked, until the emulator is fixed).

1. Chat, agent-chat and completion runs ignore the app's model config.
   `emulator/backend/runs/service.py` `RunService._plan` passes `dict(app.config)` as the
   model config, but `app.config` is `{"model_config": {...}}` (dsl_content.py), so
   `run_app_model` never sees `pre_prompt`.
   Expected: Product Copywriter (completion) with `product="a kettle"` answers the echo of
   its rendered pre-prompt ("Write a product page section for a kettle aimed at …") in
   `message` events, with tokens counted.
   Got: no `message` event at all, only `message_end` with `total_tokens` 0. Likewise
   Onboarding Buddy (chat) answers the query alone, without its rendered pre-prompt
   ("You are a friendly onboarding buddy for Grace, …").

2. The 412 of a form leaks the form token.
   `emulator/backend/runs/forms.py` builds "…, form_id={token}" with the form *token*;
   Dify's `HumanInputService.ensure_form_active` raises `FormSubmittedError(form.id)` /
   `FormExpiredError(form.id)` with the form's record id (api/services/human_input_service.py).
   Expected: the message names a form id that is not the token (the token is a secret:
   the client redacts it from the path it shows).
   Got: "This form has already been submitted by another user, form_id=<the token>".

3. A scripted `delay_s` does not slow the run; it is only reported as the node's
   `elapsed_time` (executor `walker.py` / `nodes/outside.py`).
   Expected (a): a run whose LLM node is scripted with `delay_s=2` is still running when
   `stop` is sent with the stream's task id right after the first `node_started`, and ends
   `stopped`. Got: it ends `succeeded` (the run was already over).
   Expected (b): with `max_concurrent_runs_per_app=1`, a second run while that delayed run
   streams is refused 429. Got: it runs (the first one had finished).
   Expected (c): `workflow_finished.elapsed_time` ≥ the delayed node's `elapsed_time`
   (1.25 s). Got: the run's elapsed time is ~0.00 s while its node's is 1.25 s.

4. A missing required input starts the stream and fails it with an `error` event.
   Dify checks the inputs in `WorkflowAppGenerator.generate` (`_prepare_user_inputs`,
   `_get_cleaned_inputs` in older versions: api/core/app/apps/workflow/app_generator.py)
   before the worker thread and the stream exist, so the ValueError reaches app_run.py's
   `except Exception: raise InternalServerError()`.
   Expected: the run POST answers 500 `internal_server_error` before any event
   (`ServerError` in the client). Got: a 200 stream whose `error` event says "Run failed:
   body is required in input form" (400 `invalid_param`, `RunFailed` in the client).
   (The executor already exports `input_problems` for such a pre-stream check.)

5. Closing the emulator with a run paused on a form makes the run's thread fail.
   `Emulator.close()` (emulator/runtime.py) calls `backend.runs.reset()`, which sets each
   task's stop flag without waiting for its thread, then closes the store; the woken
   thread's `store.runs.finish_run` (runs/runner.py) raises `sqlite3.ProgrammingError:
   Cannot operate on a closed database`.
   Expected: no exception in any thread after `EmulatorServer.stop()`. Got: that error
   (pytest's unhandled-thread-exception warning, exit status 1 when it is the session's
   server). tests/contract/conftest.py resets the emulator after each test until then.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from dify_client import APIStatusError, DifyClient, RateLimitError, ServerError
from dify_client.models import MessageEvent, NodeStarted
from tests.support.emulator import EmulatorHandle
from tests.support.runs import BUDDY, COPYWRITER, TICKET, TRIAGE, import_human_input_app

LLM = "Classify ticket"


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


def test_a_submitted_forms_412_does_not_carry_the_token(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    app_id = import_human_input_app(dify, emulator)
    with dify.runs.stream(app_id, inputs={"subject": "a refund"}) as stream:
        token = stream.result().form_token
    assert token
    dify.forms.submit(app_id, token, action="approve", inputs={"note": "ok"})
    with pytest.raises(APIStatusError) as caught:
        dify.forms.submit(app_id, token, action="approve", inputs={"note": "ok"})
    assert caught.value.status == 412
    assert token not in str(caught.value)


def test_stop_ends_a_run_slowed_by_a_scripted_delay_stopped(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    emulator.admin.script(app_id=TRIAGE, node=LLM, text="slow", delay_s=2.0)
    with dify.runs.stream(TRIAGE, inputs=TICKET) as stream:
        for event in stream:
            if isinstance(event, NodeStarted) and stream.task_id:
                dify.runs.stop(TRIAGE, stream.task_id)
                break
        result = stream.result()
    assert result.status == "stopped"


def test_app_concurrency_is_429_while_a_delayed_run_streams(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    emulator.admin.settings(max_concurrent_runs_per_app=1)
    emulator.admin.script(app_id=TRIAGE, node=LLM, text="slow", delay_s=2.0)
    with dify.runs.stream(TRIAGE, inputs=TICKET) as first:
        next(first)
        with pytest.raises(RateLimitError):
            dify.runs.run(TRIAGE, inputs=TICKET)


def test_a_runs_elapsed_time_covers_its_delayed_node(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    emulator.admin.script(app_id=TRIAGE, node=LLM, text="slow", delay_s=1.25)
    result = dify.runs.run(TRIAGE, inputs=TICKET)
    (llm,) = [n for n in result.nodes if n.title == LLM]
    assert llm.elapsed_time is not None and llm.elapsed_time >= 1.25
    assert result.elapsed_time is not None and result.elapsed_time >= llm.elapsed_time


def test_a_missing_required_input_is_refused_before_the_stream(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    with pytest.raises(ServerError) as caught:
        dify.runs.run(TRIAGE, inputs={"subject": "Refund"})  # no `body`
    assert caught.value.status_code == 500
    assert emulator.admin.stats()["POST /apps/{app_id}/run"] == 1


def test_stopping_the_server_with_a_paused_run_fails_no_thread(
    emulator_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda hook: failures.append(hook.exc_value))
    handle = emulator_factory()
    with DifyClient(handle.base_url, handle.admin.token()) as client:
        app_id = import_human_input_app(client, handle)
        assert client.runs.run(app_id, inputs={"subject": "x"}).status == "paused"
    handle.server.stop()
    time.sleep(0.5)  # the stopped run's thread wakes and ends
    assert failures == []
