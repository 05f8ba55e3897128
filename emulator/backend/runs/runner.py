"""The body of a run's thread: call the executor, then what Dify's pipeline adds after it.

Who sends what, once: the executor sends the whole stream of a run it finishes —
`workflow_started` … `workflow_finished` (+ `message_end` for advanced-chat), the pause
pair, `message` … `message_end` for chat and completion. The runtime adds only the
closing `error` event Dify's task pipelines add after a failed run:

- workflow: none — `_handle_workflow_failed_and_stop_events` (apps/workflow/
  generate_task_pipeline.py) ends the stream with `workflow_finished` (status failed);
- advanced-chat: after `workflow_finished`, `error` with `Run failed: <error>` (the
  pipeline wraps it in a ValueError → 400 `invalid_param`);
- chat, agent-chat, completion: `error` (a model failure is an InvokeError → 400
  `completion_request_error`).

An exception out of the executor (a bug, not a run outcome) is what Dify's worker
publishes as a QueueErrorEvent: the stream ends with a lone `error`, 500
`internal_server_error`. A store closed under a run (the emulator shut down while the
run outlived the wait for it) ends the thread quietly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from emulator.backend.common import new_id
from emulator.backend.execution import RunOutcome
from emulator.backend.runs.context import TaskContext
from emulator.backend.runs.conversations import ConversationRegistry
from emulator.backend.runs.executor import Executor
from emulator.store import Store
from emulator.store.database import StoreClosed

logger = logging.getLogger("emulator.runs")

WORKFLOW_MODES = frozenset({"workflow", "advanced-chat"})
INTERNAL_ERROR = {
    "status": 500,
    "code": "internal_server_error",
    "message": "Internal Server Error, please contact support.",
}


@dataclass(frozen=True)
class RunPlan:
    """What a run executes, resolved (and checked, as Dify does) before the stream starts."""

    mode: str
    app_id: str
    workflow_id: str | None
    graph: dict[str, Any] | None  # the workflow section: graph plus its variables
    model_config: dict[str, Any]
    inputs: dict[str, Any]
    query: str | None
    files: list[dict[str, Any]]
    conversation_id: str | None
    user_id: str
    conversation_variables: dict[str, Any] | None


def execute(
    plan: RunPlan,
    ctx: TaskContext,
    executor: Executor,
    store: Store,
    conversations: ConversationRegistry,
) -> None:
    task = ctx.task
    try:
        try:
            outcome = _call(plan, ctx, executor)
        except StoreClosed:
            raise
        except Exception as exc:  # the executor's bug must end the stream, not hang it
            logger.exception("run %s failed in the executor", task.task_id)
            outcome = RunOutcome("failed", {}, None, str(exc) or type(exc).__name__, 0, 0)
            ctx.emit("error", dict(INTERNAL_ERROR))
        else:
            _close(plan.mode, ctx, outcome)
        if plan.mode == "advanced-chat" and plan.conversation_id:
            conversations.keep_variables(plan.conversation_id, outcome.conversation_variables)
        if task.workflow_run_id:
            store.runs.finish_run(
                task.workflow_run_id,
                status=outcome.status,
                outputs=outcome.outputs,
                error=outcome.error,
                total_tokens=outcome.total_tokens,
                total_steps=outcome.total_steps,
                finished_at=ctx.now(),
                node_steps=ctx.node_steps,
            )
    except StoreClosed:
        # The emulator closed while this run outlived the wait for it: there is nothing
        # left to record the run in, and no one left to tell.
        pass
    finally:
        task.finish()


def _call(plan: RunPlan, ctx: TaskContext, executor: Executor) -> RunOutcome:
    if plan.mode in WORKFLOW_MODES:
        return executor.run_workflow(
            plan.graph or {},
            inputs=plan.inputs,
            query=plan.query,
            files=plan.files,
            conversation_id=plan.conversation_id,
            ctx=ctx,
            app_id=plan.app_id,
            workflow_id=plan.workflow_id or "",
            run_id=ctx.task.workflow_run_id or new_id(),
            mode=plan.mode,
            user_id=plan.user_id,
            conversation_variables=plan.conversation_variables,
            new_id=new_id,
        )
    return executor.run_app_model(
        plan.mode,
        plan.model_config,
        inputs=plan.inputs,
        query=plan.query,
        ctx=ctx,
        app_id=plan.app_id,
        new_id=new_id,
    )


def _close(mode: str, ctx: TaskContext, outcome: RunOutcome) -> None:
    if outcome.status != "failed" or mode == "workflow":
        return
    if mode == "advanced-chat":
        message = f"Run failed: {outcome.error}"
        ctx.emit("error", {"status": 400, "code": "invalid_param", "message": message})
        return
    ctx.emit(
        "error", {"status": 400, "code": "completion_request_error", "message": outcome.error or ""}
    )


def finished_data(
    run_id: str,
    workflow_id: str | None,
    outcome: RunOutcome,
    created_at: float,
    finished_at: float,
    created_by: dict[str, str],
) -> dict[str, Any]:
    """Dify's WorkflowFinishStreamResponse.Data, for a finished run's reconnect."""
    return {
        "id": run_id,
        "workflow_id": workflow_id,
        "status": outcome.status,
        "outputs": outcome.outputs,
        "error": outcome.error,
        "elapsed_time": round(max(finished_at - created_at, 0.0), 6),
        "total_tokens": outcome.total_tokens,
        "total_steps": outcome.total_steps,
        "created_by": created_by,
        "created_at": int(created_at),
        "finished_at": int(finished_at),
        "exceptions_count": 0,
        "files": [],
    }
