"""What a node handler receives and returns, and the two ways a node stops the run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator.backend.execution.contracts import RunContext, ScriptedResponse, ScriptQuery
from emulator.backend.execution.graph import Graph, Node
from emulator.backend.execution.pool import VariablePool

# The stream's stop reason: the task pipeline ends a stopped run on QueueStopEvent
# (USER_MANUAL), whose get_stop_reason() is this text, in workflow_finished.error.
STOPPED_REASON = "Stopped by user."


class NodeFailed(Exception):
    """The node ends `failed`; without an error strategy the run fails with `error`."""

    def __init__(self, error: str, *, inputs: dict[str, Any] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.inputs = inputs or {}


class RunHalted(Exception):
    """The run ends without failing a node: stopped by the user, or a form expired."""

    def __init__(self, status: str, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


@dataclass
class NodeResult:
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    process_data: dict[str, Any] | None = None
    handle: str | None = None  # the source handle of the edges to take; None: "source"
    tokens: int = 0
    delay_s: float = 0.0
    status: str = "succeeded"
    error: str | None = None


@dataclass
class RunState:
    """What one run accumulates, shared by every level of the walk."""

    ctx: RunContext
    graph: Graph
    app_id: str
    workflow_id: str
    run_id: str
    mode: str
    new_id: Callable[[], str]
    started_at: float
    index: int = 0
    steps: int = 0
    tokens: int = 0
    exceptions: int = 0
    answer_parts: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def chat(self) -> bool:
        return self.mode == "advanced-chat"

    def created_at(self) -> int:
        return int(self.ctx.now())


@dataclass
class NodeEnv:
    """One level of the walk: the run, its pool, and the container it runs inside."""

    state: RunState
    pool: VariablePool
    container: Node | None = None
    round_index: int | None = None
    run_level: Callable[[NodeEnv, str], None] | None = None
    loop_broken: bool = False  # a loop-end node ran: this round of the loop is over

    def ask(self, node: Node, prompt: str) -> ScriptedResponse | None:
        """The operator's scripted answer for this node; a scripted error fails it."""
        query = ScriptQuery(self.state.app_id, node.id, node.title, node.type, prompt)
        response = self.state.ctx.script(query)
        if response is not None and response.error:
            raise NodeFailed(response.error)
        return response

    def child(self, container: Node, round_index: int, pool: VariablePool) -> NodeEnv:
        return NodeEnv(self.state, pool, container, round_index, self.run_level)

    def extras(self) -> dict[str, Any]:
        """The container fields Dify adds to a child node's events."""
        if self.container is None:
            return {}
        key = "iteration" if self.container.type == "iteration" else "loop"
        return {
            f"{key}_id": self.container.id,
            "execution_metadata": {
                f"{key}_id": self.container.id,
                f"{key}_index": self.round_index,
            },
        }


Handler = Callable[[Node, NodeEnv], NodeResult]


def selector_inputs(variables: Any, pool: VariablePool) -> dict[str, Any]:
    """`[{variable, value_selector}]` → {variable: value} (code, template-transform…)."""
    resolved: dict[str, Any] = {}
    for item in variables or []:
        if isinstance(item, dict) and item.get("variable"):
            resolved[str(item["variable"])] = pool.get(item.get("value_selector"))
    return resolved


def usage(prompt_tokens: int, completion_tokens: int, latency: float) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "prompt_unit_price": "0",
        "prompt_price_unit": "0",
        "prompt_price": "0",
        "completion_tokens": completion_tokens,
        "completion_unit_price": "0",
        "completion_price_unit": "0",
        "completion_price": "0",
        "total_tokens": prompt_tokens + completion_tokens,
        "total_price": "0",
        "currency": "USD",
        "latency": latency,
    }


def count_tokens(text: str) -> int:
    """A deterministic stand-in for a tokenizer: one token per word."""
    return len(text.split())
