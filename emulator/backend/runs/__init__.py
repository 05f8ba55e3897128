"""The runtime surface of the emulator: runs, their streams, stop, forms, uploads, scripts.

Built around the executor of `emulator.backend.execution` (Interface B): this package
owns everything a run needs besides walking the graph — the task registry and its
buffered events, the RunContext, human-input forms, uploaded files, scripted responses.
"""

from __future__ import annotations

from emulator.backend.runs.executor import DifyExecutor, Executor
from emulator.backend.runs.files import FilePart, FileService
from emulator.backend.runs.forms import FormService, FormSubmitBody
from emulator.backend.runs.scripts import ScriptRegistry, ScriptRule
from emulator.backend.runs.service import RunBody, RunService
from emulator.backend.runs.task import PAUSE_EVENT, TERMINAL_EVENTS, RunTask

__all__ = [
    "PAUSE_EVENT",
    "TERMINAL_EVENTS",
    "DifyExecutor",
    "Executor",
    "FilePart",
    "FileService",
    "FormService",
    "FormSubmitBody",
    "RunBody",
    "RunService",
    "RunTask",
    "ScriptRegistry",
    "ScriptRule",
]
