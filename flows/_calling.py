"""Run a job's steps either as Prefect tasks or as plain function calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from prefect.utilities.annotations import quote


class StepRunner(Protocol):
    def __call__(self, task: Any, *args: Any, **kwargs: Any) -> Any: ...


def as_tasks(task: Any, *args: Any, **kwargs: Any) -> Any:
    """Inside a flow run: a real task run (state, retries, logs in the UI).

    Arguments are quoted: steps pass plain values, never futures, and without the quote
    Prefect walks every nested value of every argument (a backup's results hold an outcome
    per app) looking for futures, which costs more than the step itself on a quiet run.
    """
    return task(*(quote(a) for a in args), **{k: quote(v) for k, v in kwargs.items()})


def as_functions(task: Any, *args: Any, **kwargs: Any) -> Any:
    """Outside Prefect: the task's own function, no engine and no server."""
    fn: Callable[..., Any] = task.fn
    return fn(*args, **kwargs)
