"""Running apps: start a run, follow or resume its events, stop it.

Operations by op id (Dify `api/controllers/openapi/app_run.py`, `workflow_events.py`):
S2 has one `POST /apps/{id}/run` (always SSE); S3 one run route per app mode
(`workflow:run`, `chat:run`, `advanced-chat:run`, `completion:run`), so on S3 the app's
mode picks the route (read once from the app when the caller does not give it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import httpx

from dify_client._errors import ResponseValidationError
from dify_client._run_request import RESUMABLE_MODES, FileRef, run_body
from dify_client._run_stream import RunStream
from dify_client.models.apps import AppDescription
from dify_client.models.runs import RunResult
from dify_client.resources._base import segment
from dify_client.resources.run_history import RunHistoryMixin

# S3's run operation per app mode (agent-chat runs through the chat route).
RUN_OPS_BY_MODE = {
    "workflow": "run.console_app.workflow",
    "advanced-chat": "run.console_app.advanced_chat",
    "chat": "run.console_app.chat",
    "agent-chat": "run.console_app.chat",
    "completion": "run.console_app.completion",
}
_SSE_HEADERS = {"Accept": "text/event-stream", "Cache-Control": "no-store"}


class RunsResource(RunHistoryMixin):
    def stream(
        self,
        app_id: str,
        *,
        inputs: Mapping[str, Any],
        query: str | None = None,
        files: Sequence[FileRef] | None = None,
        conversation_id: str | None = None,
        workflow_id: str | None = None,
        mode: str | None = None,
    ) -> RunStream:
        """Start a run of the app's published version (or `workflow_id`) and stream it.

        `mode` (the app's mode, when known) checks the request by the server's per-mode
        rules before it is sent (RunRequestError). An error answer before the stream
        starts raises the usual APIStatusError; an `error` event after it raises
        RunFailed from the iteration. The POST is sent once, never retried: a run must
        not start twice. A dropped stream of a workflow or chatflow run is resumed
        through the events endpoint without repeating events.
        """
        body = run_body(
            mode,
            inputs=inputs,
            query=query,
            files=files,
            conversation_id=conversation_id,
            workflow_id=workflow_id,
        )
        return self._stream_op(self._run_op(app_id, mode), app_id, body, mode)

    def _stream_op(self, op: str, app_id: str, body: dict[str, Any], mode: str | None) -> RunStream:
        """POST a run operation once (never retried) and follow its event stream."""
        response = self._send(
            op,
            {"app_id": app_id},
            json_body=body,
            stream=True,
            retry=False,
            headers=_SSE_HEADERS,
        )
        _expect_event_stream(response, f"POST {response.request.url.path}")
        # Without a mode, resuming is tried whenever the stream named a workflow run id.
        reconnect = (
            None
            if mode is not None and mode not in RESUMABLE_MODES
            else partial(self._open_events, app_id, continue_on_pause=False, snapshot=False)
        )
        return RunStream(
            response, reconnect=reconnect, clock=self._http.clock, retry=self._http.retry
        )

    def run(
        self,
        app_id: str,
        *,
        inputs: Mapping[str, Any],
        query: str | None = None,
        files: Sequence[FileRef] | None = None,
        conversation_id: str | None = None,
        workflow_id: str | None = None,
        mode: str | None = None,
    ) -> RunResult:
        """`stream(...)` consumed: what the run came to (raises RunFailed on an error event)."""
        stream = self.stream(
            app_id,
            inputs=inputs,
            query=query,
            files=files,
            conversation_id=conversation_id,
            workflow_id=workflow_id,
            mode=mode,
        )
        with stream:
            return stream.result()

    def events(
        self,
        app_id: str,
        workflow_run_id: str,
        *,
        continue_on_pause: bool = False,
        include_state_snapshot: bool = False,
    ) -> RunStream:
        """Reconnect to a workflow or chatflow run: its buffered events, then live ones.

        A finished run answers with its `workflow_finished` alone; without
        `continue_on_pause` the stream ends at a pause. Only the caller's own runs are
        found (others are 404).
        """
        reconnect = partial(
            self._open_events,
            app_id,
            continue_on_pause=continue_on_pause,
            snapshot=include_state_snapshot,
        )
        segment(workflow_run_id, "workflow_run_id")
        return RunStream(
            reconnect(workflow_run_id),
            reconnect=reconnect,
            clock=self._http.clock,
            retry=self._http.retry,
            close_on_pause=not continue_on_pause,
            run_id=workflow_run_id,
        )

    def stop(self, app_id: str, task_id: str) -> None:
        """Ask the server to stop a run (`task_id` from the stream, not the run id).

        Dify only sets a stop flag and always answers success, known task or not.
        """
        self._send("stop.run", {"app_id": app_id, "task_id": task_id})

    def _open_events(
        self, app_id: str, run_id: str, *, continue_on_pause: bool, snapshot: bool
    ) -> httpx.Response:
        # A GET: retried by the usual rules, unlike the run POST.
        params = {"continue_on_pause": continue_on_pause, "include_state_snapshot": snapshot}
        response = self._send(
            "get.run.event",
            {"app_id": app_id, "task_id": run_id},
            params=params,
            stream=True,
            headers=_SSE_HEADERS,
        )
        _expect_event_stream(response, f"GET {response.request.url.path}")
        return response

    def _run_op(self, app_id: str, mode: str | None) -> str:
        """The run operation for this server: S2's one route, or S3's route per mode."""
        if self._http.router.supports("run.app"):
            return "run.app"
        return RUN_OPS_BY_MODE.get(mode or self._app_mode(app_id), "run.console_app.workflow")

    def _app_mode(self, app_id: str) -> str:
        info = self._call(
            "describe.console_app",
            AppDescription,
            {"app_id": app_id},
            params={"fields": "info"},
        ).info
        if info is None or not info.mode:
            raise ResponseValidationError(f"the server did not say app {app_id}'s mode")
        return info.mode


def _expect_event_stream(response: httpx.Response, where: str) -> None:
    content_type = response.headers.get("content-type", "")
    if "text/event-stream" not in content_type:
        response.read()
        response.close()
        raise ResponseValidationError(
            f"expected an event stream from {where}, got {content_type or 'no content type'} "
            f"(HTTP {response.status_code})",
            status=response.status_code,
        )
