"""What a run came to, gathered event by event as a RunStream passes them on."""

from __future__ import annotations

from typing import Any

from dify_client.models.runs import (
    ErrorEvent,
    HumanInputRequired,
    IterationCompleted,
    IterationStarted,
    LoopCompleted,
    LoopStarted,
    MessageEnd,
    MessageEvent,
    MessageReplace,
    NodeFinished,
    NodeStarted,
    NodeTrail,
    RunEvent,
    RunResult,
    WorkflowFinished,
    WorkflowPaused,
    _NodeEvent,
)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


class ResultBuilder:
    """Folds events into a RunResult; `finished` says the run's last event was seen.

    A workflow-based run (one with a run id) ends with `workflow_finished`, or with
    `workflow_paused` when the stream closes at pauses; a chat-like run ends with
    `message_end`; any run ends with an `error` event.
    """

    def __init__(self, *, close_on_pause: bool, run_id: str | None = None) -> None:
        self.close_on_pause = close_on_pause
        self.run_id = run_id
        self.task_id: str | None = None
        self.finished = False
        self._conversation_id: str | None = None
        self._message_id: str | None = None
        self._status: str | None = None
        self._outputs: dict[str, Any] = {}
        self._answer: list[str] | None = None
        self._usage: dict[str, Any] | None = None
        self._total_tokens: int | None = None
        self._elapsed: float | None = None
        self._error: str | None = None
        self._form_token: str | None = None
        self._nodes: dict[str, NodeTrail] = {}
        self._message_ended = False

    def add(self, event: RunEvent) -> None:
        self.run_id = self.run_id or event.workflow_run_id
        self.task_id = self.task_id or event.task_id
        self._conversation_id = event.conversation_id or self._conversation_id
        self._message_id = event.message_id or self._message_id
        if isinstance(event, NodeStarted | IterationStarted | LoopStarted):
            self._node(event, finished=False)
        elif isinstance(event, NodeFinished | IterationCompleted | LoopCompleted):
            self._node(event, finished=True)
        elif isinstance(event, MessageEvent):
            if self._answer is None:
                self._answer = []
            self._answer.append(event.answer)
        elif isinstance(event, MessageReplace):
            self._answer = [event.answer]
        elif isinstance(event, MessageEnd):
            self._message_end(event)
        elif isinstance(event, WorkflowFinished):
            self._workflow_finished(event)
        elif isinstance(event, WorkflowPaused):
            self._status = "paused"
            self.finished = self.finished or self.close_on_pause
        elif isinstance(event, HumanInputRequired):
            self._form_token = event.form_token or self._form_token
        elif isinstance(event, ErrorEvent):
            self._status, self._error, self.finished = "failed", event.message, True

    def _node(self, event: _NodeEvent, *, finished: bool) -> None:
        # The trail lists the run's top-level steps; an iteration or loop stands for the
        # steps inside it (Dify marks those with `iteration_id` / `loop_id`), so the trail,
        # like the stream, stays small however many items a run iterates over.
        if event.field("iteration_id") or event.field("loop_id"):
            return
        key = event.execution_id or f"{event.node_id}#{len(self._nodes)}"
        self._nodes[key] = NodeTrail(
            node_id=event.node_id,
            node_type=event.node_type,
            title=event.title,
            status=str(event.field("status") or "succeeded") if finished else "running",
            elapsed_time=_number(event.field("elapsed_time")) if finished else None,
            error=event.field("error") if finished else None,
        )

    def _message_end(self, event: MessageEnd) -> None:
        self._message_id = event.id or self._message_id
        usage = event.metadata.get("usage")
        if isinstance(usage, dict):
            self._usage = usage
            tokens = usage.get("total_tokens")
            self._total_tokens = tokens if isinstance(tokens, int) else self._total_tokens
            self._elapsed = (
                self._elapsed if self._elapsed is not None else _number(usage.get("latency"))
            )
        self._message_ended = True
        if self.run_id is None:
            self.finished = True

    def _workflow_finished(self, event: WorkflowFinished) -> None:
        self._status = event.status or "succeeded"
        outputs = event.field("outputs")
        self._outputs = outputs if isinstance(outputs, dict) else {}
        self._error = event.field("error") or None
        self._elapsed = _number(event.field("elapsed_time"))
        tokens = event.field("total_tokens")
        self._total_tokens = tokens if isinstance(tokens, int) else self._total_tokens
        self.finished = True

    def _full_answer(self) -> str | None:
        streamed = "".join(self._answer) if self._answer is not None else None
        # A chatflow stream resumed after its run finished gets `workflow_finished` alone
        # (Dify's workflow_events.py), so message chunks can be missing; its outputs'
        # `answer` is the whole of what the answer nodes streamed.
        final = self._outputs.get("answer")
        chatflow = self.run_id is not None and self._conversation_id is not None
        if chatflow and isinstance(final, str) and final.startswith(streamed or ""):
            return final
        return streamed

    def build(self) -> RunResult:
        status = self._status or ("succeeded" if self._message_ended else "failed")
        return RunResult(
            status=status,
            outputs=dict(self._outputs),
            answer=self._full_answer(),
            conversation_id=self._conversation_id,
            run_id=self.run_id,
            task_id=self.task_id,
            message_id=self._message_id,
            total_tokens=self._total_tokens,
            usage=self._usage,
            elapsed_time=self._elapsed,
            nodes=list(self._nodes.values()),
            error=self._error,
            form_token=self._form_token if status == "paused" else None,
        )


__all__ = ["ResultBuilder"]
