"""The body of a run's thread: open the stream, call the executor, close the stream.

Dify's task pipelines send `workflow_started` before the first node and turn the end
of the run into its closing events: `workflow_finished` (with WorkflowRunData) for
workflow runs, then `message_end` for chat runs, and for a failed run an `error` event
(`Run failed: …`, as the pipelines wrap the failure in a ValueError → 400
`invalid_param`; chat modes answer a model failure as `completion_request_error`).
An executor's own closing events, if it sends them, are kept and the runtime does not
repeat them; its own `workflow_started` is dropped (the runtime sent one already).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from emulator.backend.runs.context import TaskContext
from emulator.backend.runs.executor import Executor
from emulator.store import Store

logger = logging.getLogger("emulator.runs")

WORKFLOW_MODES = frozenset({"workflow", "advanced-chat"})


@dataclass(frozen=True)
class RunPlan:
    """What a run executes, resolved before the stream starts."""

    mode: str
    workflow_id: str | None
    graph: dict[str, Any] | None
    model_config: dict[str, Any]
    inputs: dict[str, Any]
    query: str | None
    files: list[dict[str, Any]]
    conversation_id: str | None


@dataclass(frozen=True)
class Outcome:
    status: str
    outputs: dict[str, Any]
    answer: str | None
    error: str | None
    total_tokens: int
    total_steps: int


def _outcome(raw: Any, stopped: bool) -> Outcome:
    status = str(getattr(raw, "status", "succeeded") or "succeeded")
    if stopped and status not in ("failed", "succeeded", "partial-succeeded"):
        status = "stopped"
    return Outcome(
        status=status,
        outputs=dict(getattr(raw, "outputs", None) or {}),
        answer=getattr(raw, "answer", None),
        error=getattr(raw, "error", None),
        total_tokens=int(getattr(raw, "total_tokens", 0) or 0),
        total_steps=int(getattr(raw, "total_steps", 0) or 0),
    )


def execute(plan: RunPlan, ctx: TaskContext, executor: Executor, store: Store) -> None:
    task = ctx.task
    started = ctx.now()
    try:
        if plan.mode in WORKFLOW_MODES:
            ctx.emit("workflow_started", _started_data(plan, ctx))
            raw = executor.run_workflow(
                plan.graph or {},
                inputs=plan.inputs,
                query=plan.query,
                files=plan.files,
                conversation_id=plan.conversation_id,
                ctx=ctx,
            )
        else:
            raw = executor.run_app_model(
                plan.mode, plan.model_config, inputs=plan.inputs, query=plan.query, ctx=ctx
            )
        outcome = _outcome(raw, task.stop_requested)
    except Exception as exc:  # the executor's bug must end the stream, not hang it
        logger.exception("run %s failed in the executor", task.task_id)
        outcome = Outcome("failed", {}, None, str(exc) or type(exc).__name__, 0, 0)
    try:
        _close(plan, ctx, outcome, started)
        if task.workflow_run_id:
            store.runs.finish_run(
                task.workflow_run_id,
                status=outcome.status,
                outputs=outcome.outputs,
                error=outcome.error,
                total_tokens=outcome.total_tokens,
                total_steps=outcome.total_steps,
                finished_at=ctx.now(),
            )
    finally:
        task.finish()


def _started_data(plan: RunPlan, ctx: TaskContext) -> dict[str, Any]:
    return {
        "id": ctx.task.workflow_run_id,
        "workflow_id": plan.workflow_id,
        "inputs": plan.inputs,
        "created_at": ctx.created_at,
    }


def finished_data(
    run_id: str, workflow_id: str | None, outcome: Outcome, created_at: float, finished_at: float
) -> dict[str, Any]:
    """Dify's WorkflowRunData (the `data` of `workflow_finished`)."""
    return {
        "id": run_id,
        "workflow_id": workflow_id,
        "status": outcome.status,
        "outputs": outcome.outputs,
        "error": outcome.error,
        "elapsed_time": round(max(finished_at - created_at, 0.0), 6),
        "total_tokens": outcome.total_tokens,
        "total_steps": outcome.total_steps,
        "created_at": int(created_at),
        "finished_at": int(finished_at),
    }


def _close(plan: RunPlan, ctx: TaskContext, outcome: Outcome, started: float) -> None:
    sent = set(ctx.task.names())
    if (
        plan.mode not in WORKFLOW_MODES
        and outcome.answer
        and not sent
        & {
            "message",
            "agent_message",
        }
    ):
        ctx.emit("message", {"answer": outcome.answer})
    if plan.mode in WORKFLOW_MODES and "workflow_finished" not in sent:
        run_id = ctx.task.workflow_run_id or ""
        data = finished_data(run_id, plan.workflow_id, outcome, started, ctx.now())
        ctx.emit("workflow_finished", data)
    if outcome.status == "failed":
        if "error" not in sent:
            ctx.emit("error", _error_fields(plan.mode, outcome.error))
        return
    if plan.mode != "workflow" and "message_end" not in sent:
        ctx.emit("message_end", {"metadata": _metadata(outcome.total_tokens)})


def _error_fields(mode: str, error: str | None) -> dict[str, Any]:
    if mode in WORKFLOW_MODES:
        return {"status": 400, "code": "invalid_param", "message": f"Run failed: {error}"}
    return {"status": 400, "code": "completion_request_error", "message": error or ""}


def _metadata(total_tokens: int) -> dict[str, Any]:
    return {
        "usage": {
            "prompt_tokens": 0,
            "completion_tokens": total_tokens,
            "total_tokens": total_tokens,
            "total_price": "0",
            "currency": "USD",
        },
        "retriever_resources": [],
    }
