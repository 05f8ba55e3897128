"""Draft test runs and run history of workflow and advanced-chat apps (S3 only).

Dify's `api/controllers/openapi/app_run.py` (draft runs: `test.console_app.workflow`,
`test.console_app.advanced_chat`) and `app_workflow.py` (`get.run`, `describe.run`,
`get.run.node`). A test run executes the app's *draft*, is streamed like any run and is
recorded as triggered from "debugging"; Dify's release check counts only such runs as
"tested". On an S2 server every method raises UnsupportedOperationError before any
request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dify_client._constants import MAX_PAGE_LIMIT
from dify_client._run_request import FileRef, run_body
from dify_client._run_stream import RunStream
from dify_client.models.run_history import (
    RUN_STATUSES,
    TRIGGERED_FROM,
    NodeStep,
    NodeStepList,
    RunDetail,
    RunList,
    RunRecord,
)
from dify_client.models.runs import RunResult
from dify_client.resources._base import Resource, segment

# The draft test run operation per app mode; other modes have no draft to test.
TEST_OPS_BY_MODE = {
    "workflow": "test.console_app.workflow",
    "advanced-chat": "test.console_app.advanced_chat",
}
RUN_LIST_MAX = min(MAX_PAGE_LIMIT, 100)  # Dify caps RunListQuery.limit at 100


class RunHistoryMixin(Resource):
    """The draft-test and history half of `DifyClient.runs`."""

    def test_stream(
        self,
        app_id: str,
        *,
        inputs: Mapping[str, Any],
        query: str | None = None,
        files: Sequence[FileRef] | None = None,
        conversation_id: str | None = None,
        mode: str | None = None,
    ) -> RunStream:
        """Test-run the app's draft (not its published version) and stream it.

        Only workflow and advanced-chat apps have a draft to test (ValueError for other
        modes, given or read from the server). Sent once, never retried, like `stream`.
        """
        segment(app_id, "app_id")
        self._http.router.route(TEST_OPS_BY_MODE["workflow"])  # S2: unsupported, no I/O
        mode = mode or self._app_mode(app_id)
        op = TEST_OPS_BY_MODE.get(mode)
        if op is None:
            raise ValueError(f"app {app_id} is a {mode} app; only workflow and advanced-chat apps")
        body = run_body(
            mode,
            inputs=inputs,
            query=query,
            files=files,
            conversation_id=conversation_id,
            workflow_id=None,
        )
        return self._stream_op(op, app_id, body, mode)

    def test(
        self,
        app_id: str,
        *,
        inputs: Mapping[str, Any],
        query: str | None = None,
        files: Sequence[FileRef] | None = None,
        conversation_id: str | None = None,
        mode: str | None = None,
    ) -> RunResult:
        """`test_stream(...)` consumed: what the draft test run came to."""
        stream = self.test_stream(
            app_id,
            inputs=inputs,
            query=query,
            files=files,
            conversation_id=conversation_id,
            mode=mode,
        )
        with stream:
            return stream.result()

    def history(
        self,
        app_id: str,
        *,
        status: str | None = None,
        triggered_from: str | None = None,
        limit: int = 20,
    ) -> list[RunRecord]:
        """The app's runs, newest first, at most `limit` of them (following pages).

        `triggered_from` is "debugging" (draft test runs; the server's default) or
        "app-run" (runs of the published app); `status` one of Dify's run statuses.
        """
        segment(app_id, "app_id")
        if triggered_from is not None and triggered_from not in TRIGGERED_FROM:
            raise ValueError(f"triggered_from must be one of {TRIGGERED_FROM}")
        if status is not None and status not in RUN_STATUSES:
            raise ValueError(f"status must be one of {RUN_STATUSES}")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        found: list[RunRecord] = []
        last_id: str | None = None
        while len(found) < limit:
            params: dict[str, Any] = {"limit": min(limit - len(found), RUN_LIST_MAX)}
            for key, value in (
                ("status", status),
                ("triggered_from", triggered_from),
                ("last_id", last_id),
            ):
                if value is not None:
                    params[key] = value
            page = self._call("get.run", RunList, {"app_id": app_id}, params=params)
            found.extend(page.data)
            if not page.has_more or not page.data:
                break
            last_id = page.data[-1].id
        return found[:limit]

    def describe(self, app_id: str, run_id: str) -> RunDetail:
        """One run: graph, inputs, outputs, error, tokens and timing (404 if unknown)."""
        segment(run_id, "run_id")
        return self._call("describe.run", RunDetail, {"app_id": app_id, "run_id": run_id})

    def nodes(self, app_id: str, run_id: str) -> list[NodeStep]:
        """Each node step of a run, in order (404 if the run is unknown)."""
        segment(run_id, "run_id")
        return self._call("get.run.node", NodeStepList, {"app_id": app_id, "run_id": run_id}).data

    # Provided by RunsResource.
    def _stream_op(self, op: str, app_id: str, body: dict[str, Any], mode: str | None) -> RunStream:
        raise NotImplementedError

    def _app_mode(self, app_id: str) -> str:
        raise NotImplementedError
