"""The executor the runtime calls: `emulator.backend.execution`, behind one typed seam.

`Executor` is Interface B's two entry points as methods, so a test can hand the runtime a
stand-in that misbehaves on demand (a crash, a run that never ends); `DifyExecutor` is
the real one and what every emulator uses unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from emulator.backend.execution import RunContext, RunOutcome, run_app_model, run_workflow


class Executor(Protocol):
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
    ) -> RunOutcome: ...

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
    ) -> RunOutcome: ...


class DifyExecutor:
    """The emulator's deterministic executor (emulator.backend.execution), as it is."""

    run_workflow = staticmethod(run_workflow)
    run_app_model = staticmethod(run_app_model)
