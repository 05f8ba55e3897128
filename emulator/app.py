"""Assembles the ASGI application: `/openapi/v1`, `/device`, `/_emulator`.

Errors under `/openapi/v1` are rendered once, here, as Dify's ErrorBody (or the raw
bodies of `emulator.errors.RawErrorResponse`); unknown routes and methods under the
prefix are the canonical 404/405 ErrorBody. Paths outside the prefix keep Starlette's
own answers, as Dify leaves non-`/openapi/v1` paths to the rest of its app.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator import errors
from emulator.admin import router as admin_router
from emulator.device_page import router as device_router
from emulator.middleware import EmulatorMiddleware, RouteTable
from emulator.openapi_document import with_error_responses
from emulator.routes import PREFIX, api_router
from emulator.routes.s3 import s3_router
from emulator.runtime import Emulator
from emulator.s3_layer import S3Layer

logger = logging.getLogger("emulator")


def _under_prefix(request: Request) -> bool:
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def _render(error: errors.EmulatorError) -> JSONResponse:
    status, body, headers = errors.render(error)
    return JSONResponse(body, status_code=status, headers=headers)


async def _emulator_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, errors.EmulatorError):  # pragma: no cover - registration guarantees it
        raise exc
    return _render(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):  # pragma: no cover
        raise exc
    if _under_prefix(request):
        status = exc.status_code
        return _render(
            errors.RawErrorResponse(status, errors.error_body(status), headers=exc.headers)
        )
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # The route's template, not the path: a form's path carries its token (a secret).
    template = getattr(request.scope.get("route"), "path", None) or "an unrouted path"
    logger.error("unhandled error on %s %s", request.method, template, exc_info=exc)
    return _render(errors.InternalServerError())


class EmulatorApp:
    """The ASGI callable served by uvicorn.

    One FastAPI app per API generation over the same emulator state; each request goes
    to the one the current `generation` setting names (S3's is rebuilt when its moved
    paths change), so a test can switch generations without restarting the server.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.fastapi, self.routes, self._s2 = _build(emulator, api_router())
        self._s3: tuple[tuple[tuple[str, str], ...], ASGIApp] | None = None

    def _s3_app(self) -> ASGIApp:
        moves = self.emulator.settings.current().s3_path_moves
        if self._s3 is None or self._s3[0] != moves:
            router, catalog = s3_router(dict(moves))
            _fastapi, _routes, inner = _build(self.emulator, router)
            self._s3 = (moves, S3Layer(inner, catalog))
        return self._s3[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.emulator.settings.current().generation == "s3":
            await self._s3_app()(scope, receive, send)
        else:
            await self._s2(scope, receive, send)


def _build(emulator: Emulator, api: APIRouter) -> tuple[FastAPI, RouteTable, ASGIApp]:
    fastapi = FastAPI(
        title="Dify OpenAPI v1 (difyops emulator)",
        version="1.0",
        description="User-scoped programmatic API (bearer auth), as emulated by difyops.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    fastapi.state.emulator = emulator
    _document_errors(fastapi)
    fastapi.include_router(api)
    fastapi.include_router(device_router)
    fastapi.include_router(admin_router)
    fastapi.add_exception_handler(errors.EmulatorError, _emulator_error)
    fastapi.add_exception_handler(StarletteHTTPException, _http_error)
    fastapi.add_exception_handler(Exception, _unexpected_error)
    routes = RouteTable(fastapi.openapi().get("paths", {}))
    return fastapi, routes, EmulatorMiddleware(fastapi, emulator, routes)


def _document_errors(fastapi: FastAPI) -> None:
    """`fastapi.openapi()` declares the error bodies this server answers with."""
    generated = fastapi.openapi
    described: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not described:
            described.append(with_error_responses(generated()))
        return described[0]

    fastapi.openapi = openapi  # type: ignore[method-assign]


def create_app(emulator: Emulator) -> EmulatorApp:
    return EmulatorApp(emulator)
