"""S3 draft test runs and run history.

Dify's `api/controllers/openapi/app_run.py` (the draft run routes
`/apps/{id}/draft/workflow:run` and `/apps/{id}/draft/advanced-chat:run`, ops
`test.console_app.workflow` / `test.console_app.advanced_chat`, `_DRAFT_RUN_GUARDS`:
an account with edit rights on the app) and `app_workflow.py` (AppRunListApi `get.run`,
AppRunDescribeApi `describe.run`, AppRunNodeListApi `get.run.node`, `_RUN_READ_GUARDS`);
the list query is `_models.py` RunListQuery. A draft test run is a normal run of the
draft workflow: same body, same checks, same stream; it is recorded as triggered from
"debugging". Domain rules: `backend/runs/service.py`, `backend/runs/history.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulator import errors
from emulator.backend.context import RouteRule
from emulator.backend.runs import RunBody
from emulator.routes._common import authorize, emulator_of, ok, validate_body, validate_query
from emulator.routes._sse import task_stream

MAX_RUN_LIST_LIMIT = 100

# Dify: account_app_guards(...) for both the draft runs and the history reads.
DRAFT_RUN = RouteRule(app_scoped=True)
RUN_READ = RouteRule(app_scoped=True)


class RunListQuery(BaseModel):
    limit: int = Field(20, ge=1, le=MAX_RUN_LIST_LIMIT)
    last_id: str | None = None
    status: Literal["running", "succeeded", "failed", "stopped", "partial-succeeded"] | None = None
    triggered_from: Literal["debugging", "app-run"] | None = None


def _draft_run_for(mode: str) -> Callable[[Request, str], Awaitable[Response]]:
    async def run_draft(request: Request, app_id: str) -> Response:
        auth = authorize(request, DRAFT_RUN, app_id=app_id)
        if auth.require_app().mode != mode:
            raise errors.AppModeMismatch()
        body = await validate_body(RunBody, request)
        emulator = emulator_of(request)
        task = emulator.backend.runs.start(auth, body, emulator.settings.current(), draft=True)
        return task_stream(request, task, stop_at_pause=True)

    return run_draft


test_workflow = _draft_run_for("workflow")
test_advanced_chat = _draft_run_for("advanced-chat")


async def list_runs(request: Request, app_id: str) -> JSONResponse:
    auth = authorize(request, RUN_READ, app_id=app_id)
    query = validate_query(RunListQuery, request)
    return ok(
        emulator_of(request).backend.runs.history.list(
            auth.require_app(),
            limit=query.limit,
            last_id=query.last_id,
            status=query.status,
            triggered_from=query.triggered_from,
        )
    )


async def describe_run(request: Request, app_id: str, run_id: str) -> JSONResponse:
    auth = authorize(request, RUN_READ, app_id=app_id)
    return ok(emulator_of(request).backend.runs.history.describe(auth.require_app(), run_id))


async def list_run_nodes(request: Request, app_id: str, run_id: str) -> JSONResponse:
    auth = authorize(request, RUN_READ, app_id=app_id)
    return ok(emulator_of(request).backend.runs.history.nodes(auth.require_app(), run_id))
