"""What every resource shares: typed GETs, envelope pages, and safe path building."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from dify_client._errors import NotFoundError, ResponseValidationError
from dify_client._http import HttpCore, parse_json
from dify_client._pagination import Page

M = TypeVar("M", bound=BaseModel)


def segment(value: str, name: str) -> str:
    """A path segment from an id, rejecting empty ones before any I/O."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return quote(value, safe="")


def validate(model: type[M], body: Any, *, where: str) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ResponseValidationError(
            f"unexpected response shape from {where}: {exc.error_count()} problem(s), "
            f"first: {exc.errors()[0]['msg']} at {exc.errors()[0]['loc']}",
            body=body,
        ) from exc


class Resource:
    """A view over the shared HttpCore; operations are named by op id, never by path."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    def _where(self, op: str, **path_params: str) -> tuple[str, str]:
        """The method and path of `op` on this server."""
        route = self._http.router.route(op)
        return route.method, route.path(path_params)

    def _send(
        self, op: str, path_params: Mapping[str, str] | None = None, **options: Any
    ) -> httpx.Response:
        """Send `op`; once more on a 404 when the server's catalog moved under us.

        A 404 is never a request the server acted on, so resending after re-reading the
        catalog is safe even for a POST.
        """
        method, path = self._where(op, **(path_params or {}))
        try:
            return self._http.request(method, path, **options)
        except NotFoundError as exc:
            if not self._http.router.moved(exc):
                raise
            method, path = self._where(op, **(path_params or {}))
            return self._http.request(method, path, **options)

    def _call(
        self,
        op: str,
        model: type[M],
        path_params: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        authenticated: bool = True,
        read_only: bool = False,
    ) -> M:
        response = self._send(
            op,
            path_params,
            params=params,
            json_body=json_body,
            authenticated=authenticated,
            read_only=read_only,
        )
        where = f"{response.request.method} {response.request.url.path}"
        return validate(model, parse_json(response), where=where)

    def _call_path(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> M:
        """An unauthenticated call on a path every generation shares (the device flow,
        which runs before there is a token to read a catalog with)."""
        response = self._http.request(
            method, path, params=params, json_body=json_body, authenticated=False
        )
        return validate(model, parse_json(response), where=f"{method} {path}")

    def _page(
        self,
        op: str,
        model: type[M],
        path_params: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, Any],
        page: int,
        limit: int,
    ) -> Page[M]:
        _method, path = self._where(op, **(path_params or {}))

        def fetch(number: int) -> Page[M]:
            response = self._send(
                op, path_params, params={**params, "page": number, "limit": limit}
            )
            body = parse_json(response)
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise ResponseValidationError(
                    f"expected a page envelope from GET {path}", body=body
                )
            try:
                return Page.from_envelope(body, model, fetch)
            except ValidationError as exc:
                raise ResponseValidationError(
                    f"unexpected row shape in GET {path}: {exc.errors()[0]['msg']}", body=body
                ) from exc

        return fetch(page)
