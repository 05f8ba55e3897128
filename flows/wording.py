"""How a Prefect run words the actions and overrides that errors name by key.

A refusal says "pass allow_no_admin"; someone starting a deployment needs the flow
parameter to set, and a sign-in hint needs to say where a flow finds its token. The CLI
spells the same keys as commands and flags (`difyops._spelling`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect import get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.schemas.objects import State
from prefect.states import Failed
from pydantic import ValidationError

from dify_client import DifyError
from dify_client.remedies import Remedy, Step, say
from dsl import DslError
from flows._calling import JobFailed
from gitstore import GitStoreError
from reconcile.errors import Override, PlanError, Setting

# What a run may meet in normal use (a refusal, a server's answer, a bad DSL or parameter,
# git saying no); anything else is a bug.
EXPECTED: tuple[type[Exception], ...] = (
    DifyError,
    PlanError,
    DslError,
    GitStoreError,
    ValidationError,
)

# The models a flow builds from its parameters: their validation errors are the caller's
# mistake. Any other model failing to validate (a server's answer) is a bug or a DifyError.
PARAMETER_MODELS = frozenset(
    {
        "BackupSettings",
        "GitSide",
        "MembersSyncSettings",
        "PlanOverrides",
        "PromotionOptions",
        "PromotionRequest",
        "Selection",
        "SmokeRequest",
        "Source",
        "WorkspaceSide",
    }
)

PARAMETER_HINT = "Fix the flow parameters named above and run again."

# The flow parameter of each override, and the value that turns a switch on.
PARAMETERS: dict[Override, tuple[str, str | None]] = {
    Override.ALLOW_NO_ADMIN: ("allow_no_admin", "true"),
    Override.MAX_REMOVAL_RATIO: ("max_removal_ratio", None),
    Override.SKIP_UNTOUCHABLE: ("skip_untouchable", "true"),
    Override.MAX_INVITES: ("max_invites", None),
    Override.MAP: ("selection.mapping", None),
}

_WHERE: dict[Remedy, str] = {
    Remedy.SIGN_IN: "for the flow's credentials (a new token in its token_block, "
    "or a new sign-in for its profile on the worker)",
    Remedy.SIGN_IN_FIRST: "for the flow: give it server and token_block, or a profile "
    "signed in on the worker",
    Remedy.SIGN_IN_PROFILE: "on the worker that runs the flow",
    Remedy.LIST_PROFILES: "on the worker that runs the flow",
}


def prefect_setting(setting: Setting) -> str:
    name, switch_on = PARAMETERS[setting.override]
    value = setting.value if setting.value is not None else switch_on
    if setting.override is Override.MAP and setting.value is not None:
        source, _, target = setting.value.partition("=")
        value = f'{{"{source}": "{target}"}}'
    return f"the flow parameter {name}" + (f"={value}" if value is not None else "")


def prefect_step(step: Step) -> str:
    return f"{step.text} {_WHERE[step.remedy]}"


def failure_text(exc: BaseException) -> str:
    """An exception as a flow run's failure message: its message, then its hint."""
    hint: str | None
    if isinstance(exc, ValidationError):
        message, hint = validation_text(exc), PARAMETER_HINT
    elif isinstance(exc, PlanError):
        message, hint = exc.spelled(prefect_setting)
    elif isinstance(exc, DifyError):
        message = str(exc)
        hint = say(exc.hint_prose, prefect_step) if exc.hint_prose is not None else exc.hint
    else:
        message, hint = str(exc), getattr(exc, "hint", None)
    return f"{message}\n{hint}" if hint else message


def validation_text(exc: ValidationError) -> str:
    """A pydantic error as one line per bad field: `concurrency: must be >= 1`."""
    lines = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"])
        problem = _problem(error)
        lines.append(f"{where}: {problem}" if where else problem)
    return "\n".join(dict.fromkeys(lines)) or str(exc)


def _problem(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    bounds = {
        "greater_than_equal": ">=",
        "greater_than": ">",
        "less_than_equal": "<=",
        "less_than": "<",
    }
    if kind in bounds:
        limit = next(iter(ctx.values()), "")
        return f"must be {bounds[kind]} {limit}"
    if kind == "string_too_short" or (
        kind == "string_pattern_mismatch" and ctx.get("pattern") == r"\S"
    ):
        return "must not be empty"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a parameter of this flow"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


class _QuietExpected(logging.Filter):
    """Drops the traceback of an expected failure from Prefect's task and flow run logs:
    the run's failure message (its one line and hint) says all a person needs."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, ValidationError) and error.title not in PARAMETER_MODELS:
            return True
        if isinstance(error, (*EXPECTED, JobFailed)):
            record.exc_info = None
            record.exc_text = None
        return True


_QUIET = _QuietExpected()


def quiet_expected_failures() -> None:
    """Install the filter on Prefect's run loggers (once; installing again is a no-op)."""
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logger = logging.getLogger(name)
        if _QUIET not in logger.filters:
            logger.addFilter(_QUIET)


@contextmanager
def worded_failures(job: str) -> Iterator[None]:
    """Around a flow's body: its expected failures (a refusal, a server's answer, a bad
    DSL) end the run as `JobFailed` with the message and a hint worded for Prefect, not
    a CLI flag; anything else is a bug and keeps its traceback.

    (A context manager, not a decorator: Prefect builds a flow's parameter model from the
    function's own annotations, which a wrapper defined here could not resolve.)
    """
    quiet_expected_failures()
    try:
        yield
    except EXPECTED as exc:
        if isinstance(exc, ValidationError) and exc.title not in PARAMETER_MODELS:
            raise
        raise JobFailed(failure_text(exc), job=job) from exc


async def failed_run(
    exc: JobFailed, *, artifact_key: str | None = None, title: str = ""
) -> State[Any]:
    """End a flow run as Failed with the failure's one line and hint: logged once (no
    traceback: it is an expected failure), published as the run's artifact when none was
    yet (`artifact_key`), and raised again as `JobFailed` to whoever called the flow
    directly. Automations see an ordinary Failed run."""
    get_run_logger().error(exc.message)
    if artifact_key is not None:
        said = "  \n".join(exc.message.splitlines())
        await acreate_markdown_artifact(
            key=artifact_key,
            markdown=f"# {title} failed\n\n{said}\n",
            description=f"{title} failed",
        )
    return Failed(message=exc.message, data=exc)
