"""What a smoke run needs from Dify: running an app, as a narrow port.

The task layer binds `AppRunner` to a Dify client (`client.runs.run`); tests bind it to
fakes. A run that could not start, or failed mid-stream, arrives as `RunError`, which the
adapter makes from the client's own error so the reported message stays Dify's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from dify_client.models import RunResult


class RunError(Exception):
    """A run failed: `started` tells a failure mid-stream (an `error` event: the run
    failed) from a refusal before it (the app could not be run at all)."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        code: str | None = None,
        started: bool = False,
        run_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.code = code
        self.started = started
        self.run_id = run_id

    def __str__(self) -> str:
        return self.message

    def described(self) -> str:
        """The failure as a case reports it: kind, code and Dify's message."""
        code = f" ({self.code})" if self.code else ""
        return f"{self.kind}{code}: {self.message}"


class AppRunner(Protocol):
    """Runs an app of the workspace to the end and returns its result."""

    def run(self, app_id: str, *, inputs: Mapping[str, Any], query: str | None) -> RunResult: ...
