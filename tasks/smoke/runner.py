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
