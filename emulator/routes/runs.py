"""Run, events reconnect, stop, file upload and human-input forms (contract §2.5).

Both token kinds reach these routes (scope `apps:run`, which `dfoa_`'s `full` and
`dfoe_` both carry), app-scoped with the Service API enabled. Errors before a stream
starts are ErrorBody answers; once streaming, they are SSE `error` events.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulator import errors
from emulator.backend.context import ANY_KIND, RouteRule
from emulator.backend.runs import FilePart, FormSubmitBody, RunBody
from emulator.routes._common import (
    authorize,
    emulator_of,
    ok,
    openapi_extra,
    validate_body,
    validate_query,
)
from emulator.routes._sse import single_event, task_stream

router = APIRouter()

RUN = RouteRule(kinds=ANY_KIND, app_scoped=True)
SSE = "SSE event stream (text/event-stream)"


class EventsQuery(BaseModel):
    include_state_snapshot: bool = False
    continue_on_pause: bool = False


@router.post(
    "/apps/{app_id}/run",
    summary="Run an app (always streaming)",
    openapi_extra=openapi_extra(body=RunBody, stream=SSE),
)
async def run_app(request: Request, app_id: str) -> Response:
    auth = authorize(request, RUN, app_id=app_id)
    body = await validate_body(RunBody, request)
    emulator = emulator_of(request)
    task = emulator.backend.runs.start(auth, body, emulator.settings.current())
    return task_stream(request, task, stop_at_pause=True)


@router.get(
    "/apps/{app_id}/tasks/{task_id}/events",
    summary="Reconnect to a workflow run's event stream",
    openapi_extra=openapi_extra(query=EventsQuery, stream=SSE),
)
async def run_events(request: Request, app_id: str, task_id: str) -> Response:
    auth = authorize(request, RUN, app_id=app_id)
    query = validate_query(EventsQuery, request)
    found = emulator_of(request).backend.runs.reconnect(auth, task_id)
    if isinstance(found, dict):
        return single_event(found)
    return task_stream(request, found, stop_at_pause=not query.continue_on_pause)


@router.post("/apps/{app_id}/tasks/{task_id}/stop", summary="Stop a running task")
async def stop_task(request: Request, app_id: str, task_id: str) -> JSONResponse:
    authorize(request, RUN, app_id=app_id)
    return ok(emulator_of(request).backend.runs.stop(task_id))


@router.post(
    "/apps/{app_id}/files/upload",
    summary="Upload a file for a run",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            }
        }
    },
)
async def upload_file(request: Request, app_id: str) -> JSONResponse:
    auth = authorize(request, RUN, app_id=app_id)
    emulator = emulator_of(request)
    parts = await _file_parts(request)
    body = emulator.backend.files.upload(auth, parts, emulator.settings.current())
    return ok(body, status=201)


async def _file_parts(request: Request) -> list[FilePart]:
    """Every file part of a multipart body (none for any other content type)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return []
    try:
        form = await request.form()
    except Exception:  # noqa: BLE001 - a malformed multipart body is one without a file
        raise errors.NoFileUploaded() from None
    parts: list[FilePart] = []
    for field, value in form.multi_items():
        if isinstance(value, UploadFile):
            content = await value.read()
            parts.append(FilePart(field, value.filename, value.content_type, content))
    return parts


@router.get("/apps/{app_id}/form/human_input/{form_token}", summary="A paused run's form")
async def get_form(request: Request, app_id: str, form_token: str) -> JSONResponse:
    auth = authorize(request, RUN, app_id=app_id)
    return ok(emulator_of(request).backend.forms.get(auth, form_token))


@router.post(
    "/apps/{app_id}/form/human_input/{form_token}",
    summary="Submit a paused run's form",
    openapi_extra=openapi_extra(body=FormSubmitBody),
)
async def submit_form(request: Request, app_id: str, form_token: str) -> JSONResponse:
    auth = authorize(request, RUN, app_id=app_id)
    body = await validate_body(FormSubmitBody, request)
    result: dict[str, Any] = emulator_of(request).backend.forms.submit(auth, form_token, body)
    return ok(result)
