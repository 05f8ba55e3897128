"""A stand-in executor, only for what the real one cannot do on demand.

The real executor (emulator.backend.execution) finishes a run as fast as it can walk the
graph, and it does not crash. Two runtime tests need otherwise, and say so:
`spin` in the inputs keeps a run *running* (not paused) until it is stopped — the app
concurrency quota counts such runs; `fail` raises inside the executor — the runtime's
answer to an executor bug. Anything else is delegated to the real executor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from emulator.backend.execution import RunContext, RunOutcome
from emulator.backend.runs import DifyExecutor


class FakeExecutor:
    def __init__(self) -> None:
        self._real = DifyExecutor()

    def run_workflow(
        self,
        graph: dict[str, Any],
        *,
        inputs: dict[str, Any],
        query: str | None,
        files: list[dict[str, Any]] | None,
        conversation_id: str | None,
        ctx: RunContext,
        app_id: str,
        workflow_id: str,
        run_id: str,
        mode: str,
        user_id: str,
        conversation_variables: dict[str, Any] | None,
        new_id: Callable[[], str],
    ) -> RunOutcome:
        if inputs.get("fail"):
            ctx.emit("workflow_started", {"data": {"id": run_id, "workflow_id": workflow_id}})
            raise RuntimeError("the executor broke")
        if inputs.get("spin"):
            ctx.emit("workflow_started", {"data": {"id": run_id, "workflow_id": workflow_id}})
            while not ctx.stopped():
                time.sleep(0.002)
            data = {"id": run_id, "workflow_id": workflow_id, "status": "stopped"}
            ctx.emit("workflow_finished", {"data": data})
            return RunOutcome("stopped", {}, None, "Stopped by user.", 0, 0)
        return self._real.run_workflow(
            graph,
            inputs=inputs,
            query=query,
            files=files,
            conversation_id=conversation_id,
            ctx=ctx,
            app_id=app_id,
            workflow_id=workflow_id,
            run_id=run_id,
            mode=mode,
            user_id=user_id,
            conversation_variables=conversation_variables,
            new_id=new_id,
        )

    def run_app_model(
        self,
        mode: str,
        model_config: dict[str, Any],
        *,
        inputs: dict[str, Any],
        query: str | None,
        ctx: RunContext,
        app_id: str,
        new_id: Callable[[], str],
    ) -> RunOutcome:
        return self._real.run_app_model(
            mode, model_config, inputs=inputs, query=query, ctx=ctx, app_id=app_id, new_id=new_id
        )
