"""Judging a run against a smoke case, and running an app's cases through the port. Pure.

Every failure is a sentence a person reads without the YAML beside them: which
expectation, what was expected, what the run gave (values cut short: outputs can be
long, and a report is read at a glance).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from dify_client.models import RunResult
from reconcile.smoke.cases import Matcher, SmokeCase
from reconcile.smoke.honesty import standalone
from reconcile.smoke.ports import AppRunner, RunError
from reconcile.smoke.result import CaseOutcome, SmokeReport

_SHOWN = 80  # characters of a value shown in a failure


def evaluate(case: SmokeCase, result: RunResult) -> CaseOutcome:
    """The case's outcome for this run's result."""
    checks: list[Callable[[SmokeCase, RunResult], list[str]]] = [
        _status,
        _outputs_present,
        _outputs,
        _answer,
        _limits,
    ]
    failures = [failure for check in checks for failure in check(case, result)]
    return CaseOutcome(
        name=case.name,
        passed=not failures,
        failures=failures,
        run_id=result.run_id,
        elapsed=result.elapsed_time,
    )


def run_cases(
    runner: AppRunner,
    app_id: str,
    cases: Sequence[SmokeCase],
    *,
    app: str | None = None,
    mode: str | None = None,
    note: str | None = None,
) -> SmokeReport:
    """Run each case once, one after another (Dify limits an app's concurrent runs), and
    judge it; a run that fails to run is a failed case, never an exception. `note` says
    which version the runs exercised (default: what a run on its own exercises)."""
    outcomes = [_run_one(runner, app_id, case) for case in cases]
    return SmokeReport(
        app=app or app_id,
        app_id=app_id,
        cases=outcomes,
        note=note if note is not None else standalone(mode),
    )


def _run_one(runner: AppRunner, app_id: str, case: SmokeCase) -> CaseOutcome:
    try:
        result = runner.run(app_id, inputs=case.inputs, query=case.query)
    except RunError as error:
        if error.started and case.status == "failed":
            # The run failed, as the case expects; the other expectations cannot hold.
            passed = not (case.outputs_present or case.output or case.answer)
            failures = [] if passed else [f"the run failed ({error.described()})"]
            return CaseOutcome(
                name=case.name, passed=passed, failures=failures, run_id=error.run_id
            )
        what = "the run failed" if error.started else "the run could not start"
        return CaseOutcome(
            name=case.name,
            passed=False,
            failures=[f"{what}: {error.described()}"],
            run_id=error.run_id,
        )
    return evaluate(case, result)


def _status(case: SmokeCase, result: RunResult) -> list[str]:
    if result.status == case.status:
        return []
    why = f" ({result.error})" if result.error else ""
    failed = [
        f"node {node.title or node.node_id!r} ({node.node_type}) {node.status}: {node.error}"
        for node in result.nodes
        if node.error
    ]
    return [
        f"status: expected {case.status}, got {result.status}{why}"
        + (f"; {'; '.join(failed)}" if failed else "")
    ]


def _outputs_present(case: SmokeCase, result: RunResult) -> list[str]:
    have = ", ".join(sorted(result.outputs)) or "none"
    return [
        f"output {key!r} is missing (the run's outputs: {have})"
        for key in case.outputs_present
        if key not in result.outputs
    ]


def _outputs(case: SmokeCase, result: RunResult) -> list[str]:
    failures = []
    for key, matcher in case.output.items():
        if key not in result.outputs:
            failures.append(f"output {key!r}: expected {matcher.describe()}, but it is missing")
            continue
        problem = check(matcher, result.outputs[key])
        if problem:
            failures.append(f"output {key!r}: {problem}")
    return failures


def _answer(case: SmokeCase, result: RunResult) -> list[str]:
    if case.answer is None:
        return []
    if result.answer is None:
        return [f"answer: expected {case.answer.describe()}, but the run gave no answer"]
    problem = check(case.answer, result.answer)
    return [f"answer: {problem}"] if problem else []


def _limits(case: SmokeCase, result: RunResult) -> list[str]:
    failures = []
    if case.max_elapsed_s is not None:
        took = result.elapsed_time
        if took is None:
            failures.append("elapsed time: the run reported none, so max_elapsed_s is unchecked")
        elif took > case.max_elapsed_s:
            failures.append(f"took {took:.2f} s, more than the {case.max_elapsed_s:g} s allowed")
    if case.max_tokens is not None:
        used = result.total_tokens
        if used is None:
            failures.append("tokens: the run reported none, so max_tokens is unchecked")
        elif used > case.max_tokens:
            failures.append(f"used {used} tokens, more than the {case.max_tokens} allowed")
    return failures


def check(matcher: Matcher, value: Any) -> str | None:
    """Why `value` does not meet `matcher`, or None when it does."""
    kind = matcher.kind
    if kind == "equals":
        ok = value == matcher.equals
    elif kind == "contains":
        if isinstance(value, str):
            ok = isinstance(matcher.contains, str) and matcher.contains in value
        elif isinstance(value, list | dict):
            ok = matcher.contains in value
        else:
            shown = _shown(value)
            return f"expected {matcher.describe()}, but the value is {shown}, not text or a list"
    else:
        assert matcher.matches is not None
        if not isinstance(value, str):
            return f"expected {matcher.describe()}, but the value is {_shown(value)}, not text"
        ok = re.search(matcher.matches, value) is not None
    return None if ok else f"expected {matcher.describe()}, got {_shown(value)}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
