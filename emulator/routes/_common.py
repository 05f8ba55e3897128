"""Plumbing shared by the thin `/openapi/v1` routers.

Dify authenticates before it validates (§1.3 step 15), so handlers take the raw
`Request`, run the auth pipeline first, and only then validate the query string and
body against the strict or lenient models. Because FastAPI therefore sees no declared
query/body parameters, `openapi_extra()` describes them for the emulator's own OpenAPI
document (used by the schemathesis run).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from emulator import errors
from emulator.backend.context import Authorized, RouteRule
from emulator.runtime import Emulator

ModelT = TypeVar("ModelT", bound=BaseModel)

PREFIX = "/openapi/v1"


def emulator_of(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def bearer_of(request: Request) -> str | None:
    """`Authorization: Bearer <token>`; the scheme is case-insensitive, anything else is missing."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def query_dict(request: Request) -> dict[str, str]:
    """First value of each query parameter (what Flask's `request.args.to_dict()` gives)."""
    values: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, value)
    return values


def authorize(
    request: Request, rule: RouteRule, *, app_id: str | None = None, workspace_id: str | None = None
) -> Authorized:
    emulator = emulator_of(request)
    return emulator.backend.auth.authorize(
        bearer_of(request),
        rule,
        emulator.settings.current(),
        app_id=app_id,
        path_workspace_id=workspace_id,
        query_workspace_id=request.query_params.get("workspace_id"),
    )


def validation_details(exc: ValidationError) -> list[errors.ErrorDetail]:
    return [
        errors.ErrorDetail(type=str(e["type"]), loc=tuple(e["loc"]), msg=str(e["msg"]))
        for e in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def validate_query(model: type[ModelT], request: Request) -> ModelT:
    try:
        return model.model_validate(query_dict(request))
    except ValidationError as exc:
        raise errors.RequestValidationFailed(details=validation_details(exc)) from None


async def read_json(request: Request) -> Any:
    """The JSON body, `{}` when empty; malformed JSON is a request-validation failure."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise errors.RequestValidationFailed(
            details=[errors.ErrorDetail(type="json_invalid", loc=(), msg="Invalid JSON")]
        ) from None


async def validate_body(model: type[ModelT], request: Request) -> ModelT:
    payload = await read_json(request)
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise errors.RequestValidationFailed(details=validation_details(exc)) from None


def route_key_of(request: Request) -> str:
    key: str = request.scope.get("state", {}).get("route_key", "")
    return key


def fault_fires(request: Request, scenario: str) -> bool:
    """Whether a backend-level fault scenario (tamper/expire) applies to this request."""
    emulator = emulator_of(request)
    return emulator.faults.take(scenario, route_key_of(request), request.url.path) is not None


def ok(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status)


# --- OpenAPI description of parameters the handlers parse themselves ------------------


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    schema = dict(schema)
    schema.pop("title", None)
    return schema


# One server-sent event as parsed off the wire: `event: <name>` (pings have no data), and
# `data: <one JSON object>` in Dify's framing.
SSE_EVENT = {
    "type": "object",
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}},
}


def openapi_extra(
    *,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    responses: dict[str, str] | None = None,
    stream: str | None = None,
) -> dict[str, Any]:
    """The parts of an operation FastAPI cannot infer: `stream` describes a 200 answered
    as text/event-stream."""
    extra: dict[str, Any] = {}
    if query is not None:
        schema = query.model_json_schema()
        required = set(schema.get("required", []))
        extra["parameters"] = [
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": _inline(prop),
            }
            for name, prop in schema.get("properties", {}).items()
        ]
    if body is not None:
        schema = body.model_json_schema()
        schema.pop("title", None)
        extra["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    if responses:
        extra["responses"] = {
            code: {"description": text, "content": {"application/json": {"schema": {}}}}
            for code, text in responses.items()
        }
    if stream:
        extra.setdefault("responses", {})["200"] = {
            "description": stream,
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
        }
    return extra
