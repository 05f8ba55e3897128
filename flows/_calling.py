"""A job's steps, typed: each task runs either as a Prefect task run or as its plain function.

Every job (backup, members, promote) declares its steps once, as a frozen dataclass of
callables whose types are the tasks' own signatures, with two constructors: `plain()`
(what the CLI runs: no engine, no server) and `prefect()` (inside a flow run: real task
runs with state and logs in the UI). `as_function` and `as_task` keep the task's
parameter and return types (`Task[P, R]` → `Callable[P, R]`), so `mypy --strict` checks
every call a flow makes through its steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

from prefect import Task
from prefect.utilities.annotations import quote

P = ParamSpec("P")
R = TypeVar("R")


class JobFailed(Exception):
    """A flow run that finished but must be reported as failed (apps not exported,
    changes not made): the message says what and points at the run's artifact."""

    def __init__(self, message: str, *, job: str) -> None:
        super().__init__(message)
        self.message = message
        self.job = job

    def __str__(self) -> str:
        return self.message


def as_function(task: Task[P, R]) -> Callable[P, R]:
    """Outside Prefect: the task's own function."""
    return task.fn


def as_task(task: Task[P, R]) -> Callable[P, R]:
    """Inside a flow run: a real task run.

    Arguments are quoted: steps pass plain values, never futures, and without the quote
    Prefect walks every nested value of every argument (a backup's results hold an outcome
    per app) looking for futures, which costs more than the step itself on a quiet run.
    """

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        quoted_args = [quote(a) for a in args]
        quoted_kwargs: dict[str, Any] = {k: quote(v) for k, v in kwargs.items()}
        # A sync task called in a flow returns its result (Prefect types it as a union
        # with State for `return_state=True`, which steps never pass).
        return cast(R, task(*quoted_args, **quoted_kwargs))

    return run
