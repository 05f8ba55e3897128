"""Which method and path an operation has on this server.

Dify's OpenAPI moved from the spec's paths (the "S2" generation) to resource-oriented
ones (S3), and S3 servers describe themselves: `GET /_catalog` lists every operation by
a stable op id with its method and path, and every response carries the catalog's
sha256 in `X-Dify-Catalog`. So the client resolves an operation by its op id:

- a server with a catalog is read through it, so a later path move on the server needs
  no release of ours (a changed fingerprint on any response makes the next call re-read
  the catalog);
- a server without one (a 404 on `/_catalog`) is S2 and uses the built-in S2 table;
- `DIFYOPS_API_GENERATION=s2|s3` (or `DifyClient(generation=…)`) skips detection; a
  forced S3 without a catalog uses the built-in S3 table.

Detection costs one request per host per process: the answer is shared by every client
of the same server in this process and re-read only when the fingerprint changes.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from dify_client._errors import NotFoundError, ResponseValidationError, UnsupportedOperationError
from dify_client._ops import OPS, Route

Generation = Literal["s2", "s3"]
GENERATIONS: tuple[Generation, ...] = ("s2", "s3")
GENERATION_ENV = "DIFYOPS_API_GENERATION"
CATALOG_HEADER = "X-Dify-Catalog"
CATALOG_PATH = "/_catalog"


def generation_from_env() -> Generation | None:
    """The generation forced by `DIFYOPS_API_GENERATION`, or None to detect it."""
    raw = os.environ.get(GENERATION_ENV, "").strip().lower()
    if not raw or raw == "auto":
        return None
    if raw not in GENERATIONS:
        raise ValueError(f"{GENERATION_ENV} must be s2, s3 or auto, got {raw!r}")
    return raw


@dataclass(frozen=True)
class ServerApi:
    """What one server offers: its generation and each op id's route."""

    generation: Generation
    routes: Mapping[str, Route]
    fingerprint: str | None = None
    from_catalog: bool = False

    def route(self, op: str) -> Route | None:
        return self.routes.get(op)


def builtin_api(generation: Generation) -> ServerApi:
    routes = {
        op: spec.s2 if generation == "s2" else spec.s3
        for op, spec in OPS.items()
        if (spec.s2 if generation == "s2" else spec.s3) is not None
    }
    return ServerApi(generation, cast(dict[str, Route], routes))


def api_from_catalog(body: Any, *, fingerprint: str | None) -> ServerApi:
    """A server's routes from its `/_catalog` document (`{"ops": {id: {method, path}}}`)."""
    ops = body.get("ops") if isinstance(body, dict) else None
    if not isinstance(ops, dict):
        raise ResponseValidationError("the server's /_catalog has no `ops` object", body=body)
    routes: dict[str, Route] = {}
    for op_id, entry in ops.items():
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            routes[str(op_id)] = Route(str(entry.get("method", "GET")).upper(), entry["path"])
    return ServerApi("s3", routes, fingerprint=fingerprint, from_catalog=True)


def fingerprint_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass
class _HostCache:
    """Process-wide: base URL → what its server offers (shared by every client)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    apis: dict[str, ServerApi] = field(default_factory=dict)


_CACHE = _HostCache()


def forget_hosts() -> None:
    """Drop every cached detection (tests that restart a server on the same port)."""
    with _CACHE.lock:
        _CACHE.apis.clear()


class Router:
    """Resolves op ids to routes for one client's server (see the module docstring)."""

    def __init__(self, base_url: str, fetch_catalog: Any, *, generation: Generation | None) -> None:
        # `fetch_catalog()` → (status, json body or None, raw bytes, fingerprint header)
        self._base_url = base_url
        self._fetch_catalog = fetch_catalog
        self._forced = generation
        self.seen_fingerprint: str | None = None

    @property
    def api(self) -> ServerApi:
        if self._forced == "s2":
            return builtin_api("s2")
        with _CACHE.lock:
            cached = _CACHE.apis.get(self._base_url)
        if cached is not None and not self._stale(cached):
            return cached
        api = self._detect()
        with _CACHE.lock:
            _CACHE.apis[self._base_url] = api
        return api

    @property
    def generation(self) -> Generation:
        return self.api.generation

    def supports(self, op: str) -> bool:
        return self.api.route(op) is not None

    def route(self, op: str) -> Route:
        api = self.api
        route = api.route(op)
        if route is None:
            raise UnsupportedOperationError(
                f"{self._base_url} ({api.generation.upper()} API) has no operation {op!r}"
                f"{_what_it_is(op)}",
                op=op,
                generation=api.generation,
                hint="It needs a newer Dify server: upgrade it, or take this step in the console.",
            )
        return route

    def note_fingerprint(self, value: str | None) -> None:
        if value:
            self.seen_fingerprint = value

    def moved(self, error: NotFoundError) -> bool:
        """Whether a 404 came from a server whose catalog changed since we read it."""
        with _CACHE.lock:
            cached = _CACHE.apis.get(self._base_url)
        return cached is not None and cached.from_catalog and self._stale(cached)

    def _stale(self, api: ServerApi) -> bool:
        return (
            api.from_catalog
            and self.seen_fingerprint is not None
            and self.seen_fingerprint != api.fingerprint
        )

    def _detect(self) -> ServerApi:
        status, body, raw, header = self._fetch_catalog()
        if status == 404:
            if self._forced == "s3":
                return builtin_api("s3")
            return builtin_api("s2")
        fingerprint = header or fingerprint_of(raw)
        self.seen_fingerprint = fingerprint
        return api_from_catalog(body, fingerprint=fingerprint)


def _what_it_is(op: str) -> str:
    spec = OPS.get(op)
    return f" ({spec.summary})" if spec is not None and spec.summary else ""


__all__ = [
    "CATALOG_HEADER",
    "CATALOG_PATH",
    "GENERATIONS",
    "GENERATION_ENV",
    "Generation",
    "Router",
    "ServerApi",
    "api_from_catalog",
    "builtin_api",
    "forget_hosts",
    "generation_from_env",
]
