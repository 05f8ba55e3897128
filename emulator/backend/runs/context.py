"""`TaskContext`: the RunContext of Interface B, bound to one run task.

`emit` frames an executor event the way Dify's response converters do (`task_id`,
`workflow_run_id` for workflow runs; `conversation_id`, `message_id`, `created_at` for
chat runs) and appends it to the task's buffer; `wait_for_form` stores the form,
announces the pause and blocks the run's thread until a submission, a stop or expiry.
"""

from __future__ import annotations

from typing import Any

from emulator.backend.common import new_id
from emulator.backend.runs.executor import Executor, form_field
from emulator.backend.runs.scripts import ScriptRegistry
from emulator.backend.runs.task import PendingForm, RunTask
from emulator.clock import Clock
from emulator.store import Store
from emulator.store.runs import FormRow

# Events whose payload Dify nests under `data` (the workflow-level stream responses).
NESTED_EVENTS = frozenset(
    {
        "workflow_started",
        "workflow_finished",
        "workflow_paused",
        "node_started",
        "node_finished",
        "node_retry",
        "text_chunk",
        "text_replace",
        "human_input_required",
        "agent_log",
        "iteration_started",
        "iteration_next",
        "iteration_completed",
        "loop_started",
        "loop_next",
        "loop_completed",
    }
)
CHAT_MODES = frozenset({"chat", "agent-chat", "advanced-chat", "completion"})
DEFAULT_FORM_TTL_S = 24 * 3600.0
FORM_POLL_S = 0.01
OPENAPI_RECIPIENT = "openapi"


class TaskContext:
    def __init__(
        self,
        task: RunTask,
        *,
        store: Store,
        clock: Clock,
        scripts: ScriptRegistry,
        executor: Executor,
        conversation_id: str | None,
        message_id: str | None,
    ) -> None:
        self.task = task
        self.app_id = task.app_id
        self._store = store
        self._clock = clock
        self._scripts = scripts
        self._executor = executor
        self.conversation_id = conversation_id
        self.message_id = message_id
        self.created_at = int(clock.now())

    # --- RunContext ------------------------------------------------------------------

    def emit(self, event: str, data: dict[str, Any]) -> None:
        # The runtime opens every workflow stream itself; an executor's own opening
        # event would be a second one.
        if event == "workflow_started" and "workflow_started" in self.task.names():
            return
        self.task.append(self.frame(event, data))

    def stopped(self) -> bool:
        return self.task.stop_requested

    def now(self) -> float:
        return self._clock.now()

    def script(self, query: Any) -> Any:
        rule = self._scripts.match(query, self.task.app_id)
        return None if rule is None else self._executor.scripted_response(rule.response_fields())

    def wait_for_form(self, form: Any) -> Any:
        token = str(form_field(form, "form_token", "token", default=None) or new_id())
        expires_at = self._expiry(form)
        node_id = form_field(form, "node_id")
        payload = {
            "form_content": form_field(form, "form_content", "content", default=""),
            "inputs": list(form_field(form, "inputs", default=[])),
            "resolved_default_values": form_field(form, "resolved_default_values", default={}),
            "user_actions": list(form_field(form, "user_actions", "actions", default=[])),
            "expiration_time": int(expires_at),
        }
        recipient = getattr(form, "recipient", OPENAPI_RECIPIENT)
        run_id = self.task.workflow_run_id or ""
        self._store.runs.insert_form(
            FormRow(token, self.task.app_id, run_id, payload, recipient, expires_at, None)
        )
        self._announce_pause(token, node_id, form_field(form, "node_title"), payload)
        self._store.runs.set_status(run_id, "paused")
        submission = self.task.wait_for_submission(
            PendingForm(token, expires_at), self._clock.now, FORM_POLL_S
        )
        self._store.runs.set_status(run_id, "running")
        if submission is None:
            return None
        return self._executor.form_submission(submission["action"], submission["inputs"])

    # --- framing ---------------------------------------------------------------------

    def frame(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        if event in NESTED_EVENTS and "data" not in data:
            data = {"data": data}
        payload: dict[str, Any] = {"event": event, "task_id": self.task.task_id}
        if self.task.workflow_run_id is not None:
            payload["workflow_run_id"] = self.task.workflow_run_id
        if self.task.mode in CHAT_MODES:
            payload.update(
                id=self.message_id,
                message_id=self.message_id,
                conversation_id=self.conversation_id,
                created_at=self.created_at,
            )
        payload.update(data)
        return payload

    def _expiry(self, form: Any) -> float:
        absolute = form_field(form, "expiration_time", "expires_at")
        if absolute is not None:
            return float(absolute)
        ttl = form_field(form, "timeout_s", "timeout", "ttl_s", default=DEFAULT_FORM_TTL_S)
        return self._clock.now() + float(ttl)

    def _announce_pause(
        self, token: str, node_id: Any, node_title: Any, payload: dict[str, Any]
    ) -> None:
        """`human_input_required` then `workflow_paused`, unless the executor sent them."""
        since_node = self._events_since_last_node()
        if "human_input_required" not in since_node:
            self.emit(
                "human_input_required",
                {
                    "form_token": token,
                    "node_id": node_id,
                    "node_title": node_title,
                    "form_content": payload["form_content"],
                    "inputs": payload["inputs"],
                    "actions": payload["user_actions"],
                    "expiration_time": payload["expiration_time"],
                },
            )
        if "workflow_paused" not in since_node:
            self.emit(
                "workflow_paused",
                {
                    "workflow_run_id": self.task.workflow_run_id,
                    "paused_nodes": [node_id] if node_id else [],
                    "reasons": [{"type": "human_input_required", "form_token": token}],
                    "created_at": int(self._clock.now()),
                },
            )

    def _events_since_last_node(self) -> list[str]:
        names = self.task.names()
        for index in range(len(names) - 1, -1, -1):
            if names[index] == "node_started":
                return names[index + 1 :]
        return names
