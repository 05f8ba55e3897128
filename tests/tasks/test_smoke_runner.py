"""The AppRunner adapter (tasks.smoke.runner): the client's errors become the port's
RunError with Dify's code and message; a RunFailed (an `error` event mid-stream) counts
as a run that started. The client's run itself has its own tests."""

from __future__ import annotations

from typing import Any

import pytest

from dify_client import RunFailed
from dify_client._errors import APIStatusError
from reconcile.smoke.ports import RunError
from tasks.smoke.runner import ClientRunner, translated


def test_an_error_before_the_stream_is_a_run_that_could_not_start() -> None:
    error = translated(APIStatusError("Workflow not published", status=400, code="app_unavailable"))
    assert (error.kind, error.code, error.started) == ("APIStatusError", "app_unavailable", False)
    assert error.described() == "APIStatusError (app_unavailable): Workflow not published"


def test_a_run_failed_mid_stream_is_a_run_that_started() -> None:
    error = translated(RunFailed("quota exceeded", code="quota", run_id="run-3"))
    assert (error.started, error.code, error.run_id) == (True, "quota", "run-3")


def test_the_runner_calls_runs_run_and_translates_its_errors() -> None:
    class Runs:
        def __init__(self) -> None:
            self.calls: list[tuple[str, dict[str, Any], str | None]] = []

        def run(self, app_id: str, *, inputs: dict[str, Any], query: str | None) -> str:
            self.calls.append((app_id, inputs, query))
            if app_id == "bad":
                raise RunFailed("boom", code="x", run_id="r")
            return "result"

    class Client:
        runs = Runs()

    runner = ClientRunner(Client())  # type: ignore[arg-type]
    assert runner.run("a", inputs={"k": 1}, query="hi") == "result"
    assert Client.runs.calls == [("a", {"k": 1}, "hi")]
    with pytest.raises(RunError, match="boom"):
        runner.run("bad", inputs={}, query=None)
