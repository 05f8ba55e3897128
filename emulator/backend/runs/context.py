"""`TaskContext`: the RunContext of Interface B, bound to one run task.

The executor sends every event of a run's stream — `workflow_started`, node events,
chunks, the pause pair `human_input_required` / `workflow_paused`, `workflow_finished`,
`message_end` — with the fields Dify puts in them; `emit` adds only what the task
pipeline adds around them: `task_id`, `workflow_run_id` for workflow runs,
`conversation_id` / `message_id` / `created_at` for chat runs (Dify's chat response
converters), and `created_by` in `workflow_finished` (the executor does not know who
called). `wait_for_form` stores the form for the form endpoints and blocks the run's
thread until a submission, a stop or expiry; `script` blocks it for a scripted delay.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from emulator.backend.execution import FormRequest, FormSubmission, ScriptedResponse, ScriptQuery
from emulator.backend.runs.scripts import ScriptRegistry
from emulator.backend.runs.task import PendingForm, RunTask
from emulator.clock import Clock
from emulator.store import Store
from emulator.store.runs import FormRow

CHAT_MODES = frozenset({"chat", "agent-chat", "advanced-chat", "completion"})
# Chat stream responses that carry the message id as their own `id` (MessageStreamResponse,
# MessageEndStreamResponse); other events' `id` is their own (agent_thought) or absent.
MESSAGE_ID_EVENTS = frozenset({"message", "agent_message", "message_end"})
FORM_POLL_S = 0.01
# The form endpoints of the OpenAPI surface answer forms delivered to it.
OPENAPI_RECIPIENT = "openapi"


class TaskContext:
    def __init__(
        self,
        task: RunTask,
        *,
        store: Store,
        clock: Clock,
        scripts: ScriptRegistry,
        conversation_id: str | None,
        message_id: str | None,
        created_by: dict[str, str],
    ) -> None:
        self.task = task
        self._store = store
        self._clock = clock
        self._scripts = scripts
        self.conversation_id = conversation_id
        self.message_id = message_id
        self.created_by = created_by
        self.created_at = int(clock.now())
        # Each node_finished's data, in order: the run's node steps (`get.run.node`).
        self.node_steps: list[dict[str, Any]] = []

    # --- RunContext ------------------------------------------------------------------

    def emit(self, event: str, data: dict[str, Any]) -> None:
        if event == "node_finished" and isinstance(data.get("data"), dict):
            self.node_steps.append(dict(data["data"]))
        self.task.append(self.frame(event, data))

    def stopped(self) -> bool:
        return self.task.stop_requested

    def now(self) -> float:
        return self._clock.now()

    def script(self, query: ScriptQuery) -> ScriptedResponse | None:
        """The matching rule's answer, after its `delay_s`: the node really takes that
        long, so the run stays running meanwhile (stop, the app's concurrency quota and
        the run's elapsed time all see it). A stop cuts the wait short, and the delay
        reported is then the time waited; the executor ends the run `stopped` at its
        next step."""
        rule = self._scripts.match(query, self.task.app_id)
        if rule is None:
            return None
        response = rule.response()
        if response.delay_s:
            began = self._clock.now()
            if self._clock.wait(response.delay_s, self.task.stop_event):
                waited = max(self._clock.now() - began, 0.0)
                response = dataclasses.replace(response, delay_s=waited)
        return response

    def wait_for_form(self, form: FormRequest) -> FormSubmission | None:
        run_id = self.task.workflow_run_id or ""
        payload = {
            "form_content": form.form_content,
            "inputs": form.inputs,
            "resolved_default_values": form.resolved_default_values,
            "user_actions": form.user_actions,
            "expiration_time": form.expiration_time,
        }
        expires_at = float(form.expiration_time)
        self._store.runs.insert_form(
            FormRow(
                form.form_token,
                form.form_id,
                self.task.app_id,
                run_id,
                payload,
                OPENAPI_RECIPIENT,
                expires_at,
                None,
            )
        )
        self._store.runs.set_status(run_id, "paused")
        submission = self.task.wait_for_submission(
            PendingForm(form.form_token, expires_at), self._clock.now, FORM_POLL_S
        )
        self._store.runs.set_status(run_id, "running")
        if submission is None:
            return None
        return FormSubmission(action=submission["action"], inputs=submission["inputs"])

    # --- framing ---------------------------------------------------------------------

    def frame(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        payload: dict[str, Any] = {"event": event, "task_id": self.task.task_id}
        if self.task.workflow_run_id is not None:
            payload["workflow_run_id"] = self.task.workflow_run_id
        if self.task.mode in CHAT_MODES:
            if event in MESSAGE_ID_EVENTS:
                payload["id"] = self.message_id
            payload.update(
                message_id=self.message_id,
                conversation_id=self.conversation_id,
                created_at=self.created_at,
            )
        if event == "workflow_finished" and isinstance(data.get("data"), dict):
            data = {**data, "data": {**data["data"], "created_by": self.created_by}}
        payload.update(data)
        return payload
