"""The outermost ASGI layer: anti-framing headers, request counters, HTTP fault scenarios.

It wraps the whole FastAPI app so it sees uvicorn's own `send`, which is what lets the
`drop_connection` and `drop_after_write` faults close the socket without any response (see
`emulator.faults`).
Counting and faults only concern paths under `/openapi/v1`; the route key is the
template as the spec writes it, without the prefix (`"GET /apps/{app_id}/export"`),
or the raw path for a request that matches no route.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator import errors
from emulator.faults import HTTP_SCENARIOS
from emulator.routes._common import PREFIX
from emulator.runtime import Emulator

ANTI_FRAMING_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
)


class RouteTable:
    """Maps (method, path) under the prefix to the spec-style route key.

    Built from the app's own OpenAPI document (the public description of every
    `/openapi/v1` route), so it never depends on how FastAPI nests included routers.
    """

    def __init__(self, openapi_paths: dict[str, Any]) -> None:
        self._entries: list[tuple[re.Pattern[str], frozenset[str], str]] = []
        for path, operations in openapi_paths.items():
            if not path.startswith(PREFIX + "/"):
                continue
            pattern = re.sub(r"\\{[^}/]+\\}", "[^/]+", re.escape(path))
            methods = frozenset(method.upper() for method in operations)
            self._entries.append((re.compile(f"^{pattern}$"), methods, path[len(PREFIX) :]))

    def key_for(self, method: str, path: str) -> str:
        path_match: str | None = None
        for regex, methods, template in self._entries:
            if regex.match(path):
                if method in methods:
                    return f"{method} {template}"
                path_match = path_match or template
        return f"{method} {path_match or path[len(PREFIX) :] or '/'}"

    def templates(self) -> list[tuple[str, str]]:
        return sorted(
            (method, template) for _regex, methods, template in self._entries for method in methods
        )


class EmulatorMiddleware:
    def __init__(self, app: ASGIApp, emulator: Emulator, routes: RouteTable) -> None:
        self.app = app
        self.emulator = emulator
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_send = send

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in ANTI_FRAMING_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await raw_send(message)

        path: str = scope["path"]
        if path == PREFIX or path.startswith(PREFIX + "/"):
            key = self.routes.key_for(scope["method"], path)
            scope.setdefault("state", {})["route_key"] = key
            # The SSE routes' `stream_drop` fault needs uvicorn's own send to cut the socket.
            scope["state"]["abort_connection"] = lambda: _abort(raw_send)
            self.emulator.store.operations.count_request(key)
            if await self._apply_faults(key, path, scope, receive, raw_send, send_with_headers):
                return
        await self.app(scope, receive, send_with_headers)

    async def _apply_faults(
        self, key: str, path: str, scope: Scope, receive: Receive, raw_send: Send, send: Send
    ) -> bool:
        faults = self.emulator.faults
        delay = faults.take("latency", key, path)
        if delay is not None:
            await asyncio.sleep(delay.spec.latency_ms / 1000)
        if faults.take("drop_after_write", key, path) is not None:
            # The application runs (and stores what it writes); its answer is never sent.
            await self.app(scope, receive, _discard)
            await _drop_connection(raw_send, send)
            return True
        fault = faults.take(HTTP_SCENARIOS, key, path)
        if fault is None:
            return False
        if fault.spec.scenario == "drop_connection":
            await _drop_connection(raw_send, send)
            return True
        error: errors.EmulatorError
        if fault.spec.scenario == "rate_limit":
            error = errors.BearerRateLimited(float(fault.spec.retry_after))
        elif fault.spec.status == 503:
            error = errors.ServiceUnavailable()
        elif fault.spec.status == 502:
            error = errors.RawErrorResponse(502, errors.error_body(502))
        else:
            error = errors.InternalServerError()
        status, body, headers = errors.render(error)
        await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)
        return True


async def _drop_connection(raw_send: Send, send: Send) -> None:
    """Abort the TCP connection before any byte of a response is written.

    uvicorn's `send` is a bound method of its request cycle, which holds the transport;
    aborting it and yielding to the loop marks the cycle disconnected, so uvicorn sends
    nothing and logs nothing. Under another server the fallback promises a body and
    stops short (the server then closes the connection mid-response).
    """
    if _abort(raw_send):
        for _ in range(3):
            await asyncio.sleep(0)
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
        }
    )
    await send({"type": "http.response.body", "body": b"{", "more_body": True})


async def _discard(message: Message) -> None:
    """A `send` that throws the application's answer away (`drop_after_write`)."""


def _abort(raw_send: Send) -> bool:
    """Abort uvicorn's transport under `raw_send`; False under a server without one."""
    transport: Any = getattr(getattr(raw_send, "__self__", None), "transport", None)
    if transport is not None and hasattr(transport, "abort"):
        transport.abort()
        return True
    return False
