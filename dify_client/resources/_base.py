"""What every resource shares: typed GETs, envelope pages, and safe path building."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from dify_client._errors import ResponseValidationError
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
    def __init__(self, http: HttpCore) -> None:
        self._http = http

    def _call(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        authenticated: bool = True,
    ) -> M:
        response = self._http.request(
            method, path, params=params, json_body=json_body, authenticated=authenticated
        )
        return validate(model, parse_json(response), where=f"{method} {path}")

    def _page(
        self, path: str, model: type[M], *, params: Mapping[str, Any], page: int, limit: int
    ) -> Page[M]:
        def fetch(number: int) -> Page[M]:
            response = self._http.request(
                "GET", path, params={**params, "page": number, "limit": limit}
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
