"""Interface B of issue 11: what the executor needs from the runtime and what it returns.

The runtime layer (routes, task registry, SSE framing) implements `RunContext`; the
executor never touches HTTP, threads or real time, so the same graph and the same answers
from the context give the same events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ScriptQuery:
    """A node that would reach outside asks the runtime what to answer."""

    app_id: str
    node_id: str
    node_title: str
    node_type: str
    prompt: str


@dataclass(frozen=True)
class ScriptedResponse:
    """An operator-set answer; every field None means "use the node's default"."""

    outputs: dict[str, Any] | None = None
    text: str | None = None
    error: str | None = None
    tokens: int | None = None
    # How long the node took: the runtime waits it inside `script()`, so the executor
    # never sleeps; it reports at least this as the node's elapsed time.
    delay_s: float | None = None


@dataclass(frozen=True)
class FormRequest:
    """A human-input node's form, rendered, as the form endpoints will serve it."""

    form_token: str
    form_id: str
    node_id: str
    node_title: str
    form_content: str
    inputs: list[dict[str, Any]]
    user_actions: list[dict[str, Any]]
    resolved_default_values: dict[str, Any]
    expiration_time: int


@dataclass(frozen=True)
class FormSubmission:
    action: str
    inputs: dict[str, Any] = field(default_factory=dict)


class RunContext(Protocol):
    def emit(self, event: str, data: dict[str, Any]) -> None:
        """One SSE event: its name and the fields Dify puts in it besides `event`,
        `task_id`, `workflow_run_id`, `message_id` and `conversation_id` (the caller's)."""

    def stopped(self) -> bool: ...

    def wait_for_form(self, form: FormRequest) -> FormSubmission | None:
        """Blocks until the form is submitted; None when the run was stopped or expired."""

    def script(self, query: ScriptQuery) -> ScriptedResponse | None:
        """The scripted answer (None: the node's default), returned once its delay has
        passed or the run was stopped."""

    def now(self) -> float: ...


@dataclass(frozen=True)
class RunOutcome:
    """status: succeeded | failed | stopped | partial-succeeded (paused runs end in one of
    these once the form is answered or abandoned)."""

    status: str
    outputs: dict[str, Any]
    answer: str | None
    error: str | None
    total_tokens: int
    total_steps: int
    # the conversation variables after the run, for the runtime to keep (assigner nodes)
    conversation_variables: dict[str, Any] = field(default_factory=dict)


class GraphRefused(ValueError):
    """A graph Dify would not build (e.g. duplicate human-input action ids)."""
