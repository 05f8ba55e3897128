"""The seam to the executor of Interface B (`emulator.backend.execution`).

The runtime surface (tasks, streams, forms, scripts) is built around the executor, not
into it: it calls `run_workflow` / `run_app_model` with a `RunContext` and turns the
returned `RunOutcome` into Dify's closing events. The executor package is owned by
another part of the emulator and may be absent on a branch, so it is loaded by name
when the first run starts; tests inject a stand-in with the same shape.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

EXECUTION_MODULE = "emulator.backend.execution"


class Executor(Protocol):
    """What the runtime needs of the executor (Interface B plus its two value types)."""

    def run_workflow(
        self,
        graph: dict[str, Any],
        *,
        inputs: dict[str, Any],
        query: str | None,
        files: list[dict[str, Any]],
        conversation_id: str | None,
        ctx: Any,
    ) -> Any: ...

    def run_app_model(
        self,
        mode: str,
        model_config: dict[str, Any],
        *,
        inputs: dict[str, Any],
        query: str | None,
        ctx: Any,
    ) -> Any: ...

    def form_submission(self, action: str, inputs: dict[str, Any]) -> Any: ...

    def scripted_response(self, fields: dict[str, Any]) -> Any: ...


class ModuleExecutor:
    """Interface B's module functions and classes behind the `Executor` protocol."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def run_workflow(
        self,
        graph: dict[str, Any],
        *,
        inputs: dict[str, Any],
        query: str | None,
        files: list[dict[str, Any]],
        conversation_id: str | None,
        ctx: Any,
    ) -> Any:
        return self._module.run_workflow(
            graph, inputs=inputs, query=query, files=files, conversation_id=conversation_id, ctx=ctx
        )

    def run_app_model(
        self,
        mode: str,
        model_config: dict[str, Any],
        *,
        inputs: dict[str, Any],
        query: str | None,
        ctx: Any,
    ) -> Any:
        return self._module.run_app_model(mode, model_config, inputs=inputs, query=query, ctx=ctx)

    def form_submission(self, action: str, inputs: dict[str, Any]) -> Any:
        return self._module.FormSubmission(action=action, inputs=inputs)

    def scripted_response(self, fields: dict[str, Any]) -> Any:
        return self._module.ScriptedResponse(**fields)


def load_executor() -> Executor:
    """The real executor; ImportError while its package is not part of the build."""
    return ModuleExecutor(importlib.import_module(EXECUTION_MODULE))


def form_field(form: Any, *names: str, default: Any = None) -> Any:
    """One field of the executor's `FormRequest`, by the first of `names` it has.

    Interface B names the fields of a form request only loosely ("form token, node
    id/title, rendered form content, inputs, user actions, expiry"), so the runtime
    reads each under the spellings Dify itself uses for them.
    """
    for name in names:
        value = form.get(name) if isinstance(form, dict) else getattr(form, name, None)
        if value is not None:
            return value
    return default
