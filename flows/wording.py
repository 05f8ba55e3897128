"""How a Prefect run words the actions and overrides that errors name by key.

A refusal says "pass allow_no_admin"; someone starting a deployment needs the flow
parameter to set, and a sign-in hint needs to say where a flow finds its token. The CLI
spells the same keys as commands and flags (`difyops._spelling`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dify_client import DifyError
from dify_client.remedies import Remedy, Step, say
from dsl import DslError
from flows._calling import JobFailed
from reconcile.errors import Override, PlanError, Setting

# The flow parameter of each override, and the value that turns a switch on.
PARAMETERS: dict[Override, tuple[str, str | None]] = {
    Override.ALLOW_NO_ADMIN: ("allow_no_admin", "true"),
    Override.MAX_REMOVAL_RATIO: ("max_removal_ratio", None),
    Override.SKIP_UNTOUCHABLE: ("skip_untouchable", "true"),
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
    if isinstance(exc, PlanError):
        message, hint = exc.spelled(prefect_setting)
    elif isinstance(exc, DifyError):
        message = str(exc)
        hint = say(exc.hint_prose, prefect_step) if exc.hint_prose is not None else exc.hint
    else:
        message, hint = str(exc), getattr(exc, "hint", None)
    return f"{message}\n{hint}" if hint else message


@contextmanager
def worded_failures(job: str) -> Iterator[None]:
    """Around a flow's body: its expected failures (a refusal, a server's answer, a bad
    DSL) end the run as `JobFailed` with the message and a hint worded for Prefect, not
    a CLI flag; anything else is a bug and keeps its traceback.

    (A context manager, not a decorator: Prefect builds a flow's parameter model from the
    function's own annotations, which a wrapper defined here could not resolve.)
    """
    try:
        yield
    except (DifyError, PlanError, DslError) as exc:
        raise JobFailed(failure_text(exc), job=job) from exc
