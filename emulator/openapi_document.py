"""The emulated API's OpenAPI document, saying what the server answers, errors included.

FastAPI documents a route's success and its own 422 shape (`{"detail": [...]}`); this
server answers every refusal under `/openapi/v1` with Dify's ErrorBody (contract §1.4),
422 included, plus the contract's few other bodies: RFC 8628 `{"error"}` on the device
flow's protocol routes and the S2 bearer limiter's `{"error", "retry_after_ms"}` 429.
The document declares them, so a client generated from it (or schemathesis checking
answers against it) sees the server as it is.
"""

from __future__ import annotations

import copy
from typing import Any

PREFIX = "/openapi/v1"
DEVICE_PROTOCOL = PREFIX + "/oauth/device/"

ERROR_BODY = {
    "type": "object",
    "description": "Dify's ErrorBody (nulls omitted)",
    "required": ["code", "message", "status"],
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "status": {"type": "integer"},
        "hint": {"type": "string"},
        "details": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "loc", "msg"],
                "properties": {
                    "type": {"type": "string"},
                    "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": False,
}
DEVICE_FLOW_ERROR = {
    "type": "object",
    "description": "RFC 8628 error body",
    "required": ["error"],
    "properties": {"error": {"type": "string"}},
}
BEARER_RATE_LIMITED = {
    "type": "object",
    "description": "The S2 bearer limiter's 429 (with Retry-After)",
    "required": ["error", "retry_after_ms"],
    "properties": {"error": {"const": "rate_limited"}, "retry_after_ms": {"type": "integer"}},
}
SCHEMAS = {
    "ErrorBody": ERROR_BODY,
    "DeviceFlowError": DEVICE_FLOW_ERROR,
    "BearerRateLimited": BEARER_RATE_LIMITED,
}
# FastAPI's own validation shapes, which this server never answers with.
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _response(description: str, *names: str) -> dict[str, Any]:
    schema = _ref(names[0]) if len(names) == 1 else {"oneOf": [_ref(n) for n in names]}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors_of(path: str) -> dict[str, dict[str, Any]]:
    device = path.startswith(DEVICE_PROTOCOL)
    refusal = ("ErrorBody", "DeviceFlowError") if device else ("ErrorBody",)
    return {
        "422": _response("Request validation failed", "ErrorBody"),
        "429": _response("Rate limited", "ErrorBody", "BearerRateLimited"),
        "4XX": _response("Refused (auth order, domain rules)", *refusal),
        "5XX": _response("Internal Server Error", "ErrorBody"),
    }


def with_error_responses(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with every `/openapi/v1` operation's error answers declared; answers a
    route documents itself (an Import body on 400, a bare string on 404) stay."""
    described = copy.deepcopy(document)
    schemas = described.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_VALIDATION:
        schemas.pop(name, None)
    schemas.update(copy.deepcopy(SCHEMAS))
    for path, operations in described.get("paths", {}).items():
        if not path.startswith(PREFIX):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, response in _errors_of(path).items():
                if status == "422" or status not in responses:
                    responses[status] = response
    return described
