"""Run a job's steps either as Prefect tasks or as plain function calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class StepRunner(Protocol):
    def __call__(self, task: Any, *args: Any, **kwargs: Any) -> Any: ...


def as_tasks(task: Any, *args: Any, **kwargs: Any) -> Any:
    """Inside a flow run: a real task run (state, retries, logs in the UI)."""
    return task(*args, **kwargs)


def as_functions(task: Any, *args: Any, **kwargs: Any) -> Any:
    """Outside Prefect: the task's own function, no engine and no server."""
    fn: Callable[..., Any] = task.fn
    return fn(*args, **kwargs)
