"""The emulator's deterministic executor (Interface B of issue 11).

`run_workflow` walks a workflow / advanced-chat graph and `run_app_model` answers chat,
agent-chat and completion apps; both report through a `RunContext` the runtime layer
provides and never touch HTTP, threads, real time, a model or the network.
"""

from emulator.backend.execution.app_model import APP_MODEL_MODES, run_app_model
from emulator.backend.execution.contracts import (
    FormRequest,
    FormSubmission,
    GraphRefused,
    RunContext,
    RunOutcome,
    ScriptedResponse,
    ScriptQuery,
)
from emulator.backend.execution.graph import (
    human_input_problems,
    input_problems,
    refuse_invalid_graph,
)
from emulator.backend.execution.workflow import run_workflow

__all__ = [
    "APP_MODEL_MODES",
    "FormRequest",
    "FormSubmission",
    "GraphRefused",
    "RunContext",
    "RunOutcome",
    "ScriptQuery",
    "ScriptedResponse",
    "human_input_problems",
    "input_problems",
    "refuse_invalid_graph",
    "run_app_model",
    "run_workflow",
]
