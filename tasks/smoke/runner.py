"""The `AppRunner` port (reconcile.smoke.ports) bound to a Dify client.

A run is `client.runs.run` (the client's runtime API: stream the run, consume it into a
`RunResult`); the client's errors become the port's `RunError`, keeping the client's
class name, Dify's code and message, so a case reports what the server said.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dify_client import DifyClient, DifyError, RunFailed
from dify_client.models import RunResult
from reconcile.smoke.honesty import DRAFT_ONLY_MODES
from reconcile.smoke.ports import RunError


class ClientRunner:
    """Runs apps of the client's server, one run per call (a run POST is never retried)."""

    def __init__(self, client: DifyClient) -> None:
        self._client = client

    def run(self, app_id: str, *, inputs: Mapping[str, Any], query: str | None) -> RunResult:
        try:
            result: RunResult = self._client.runs.run(app_id, inputs=dict(inputs), query=query)
        except DifyError as exc:
            raise translated(exc) from exc
        return result


class DraftTestRunner(ClientRunner):
    """On a server with draft test runs (Dify S3): workflow and chatflow apps run their
    *draft* (`runs.test`, recorded by Dify as a debugging run, which its release check
    counts as "tested"), so a promotion's smoke cases exercise what was just imported.
    Other modes have no draft and run as usual."""

    tests_drafts = True

    def __init__(self, client: DifyClient) -> None:
        super().__init__(client)
        self._modes: dict[str, str] = {}

    def run(self, app_id: str, *, inputs: Mapping[str, Any], query: str | None) -> RunResult:
        try:
            mode = self._mode(app_id)
            if mode not in DRAFT_ONLY_MODES:
                return self._client.runs.run(app_id, inputs=dict(inputs), query=query, mode=mode)
            result: RunResult = self._client.runs.test(
                app_id, inputs=dict(inputs), query=query, mode=mode
            )
        except DifyError as exc:
            raise translated(exc) from exc
        return result

    def _mode(self, app_id: str) -> str:
        if app_id not in self._modes:
            info = self._client.apps.describe(app_id, fields=["info"]).info
            self._modes[app_id] = info.mode if info is not None else ""
        return self._modes[app_id]


def runner_for(client: DifyClient) -> ClientRunner:
    """Draft test runs where the server has them, else runs of the published version."""
    if client.supports("test.console_app.workflow"):
        return DraftTestRunner(client)
    return ClientRunner(client)


def translated(exc: DifyError) -> RunError:
    """The client's error as the port's: `started` for an `error` event mid-stream (the
    client's RunFailed), else the run was refused before it began."""
    started = isinstance(exc, RunFailed)
    code = getattr(exc, "code", None)
    run_id = getattr(exc, "run_id", None)
    return RunError(
        exc.message,
        kind=type(exc).__name__,
        code=str(code) if code else None,
        started=started,
        run_id=str(run_id) if run_id else None,
    )
