"""The only code that sends HTTP: request building, the retry loop and error mapping."""

from __future__ import annotations

import functools
import json
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from dify_client._clock import Clock
from dify_client._errors import (
    APIStatusError,
    AuthenticationError,
    DifyConnectionError,
    DifyError,
    DifyTimeoutError,
    OpenAPIDisabledError,
    RateLimitError,
    ResponseValidationError,
    status_error_class,
)
from dify_client._ratelimit import RequestRateLimiter
from dify_client._retry import RetryPolicy, parse_retry_after
from dify_client._routing import CATALOG_HEADER, CATALOG_PATH, Generation, Router
from dify_client.models.errors import ErrorDetail

logger = logging.getLogger("dify_client")

# Dify derives `code` from the status when an error has none of its own (contract §1.4).
_DEFAULT_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "request_entity_too_large",
    415: "unsupported_media_type",
    422: "invalid_param",
    429: "too_many_requests",
    500: "internal_server_error",
    502: "bad_gateway",
}

REDACTED = "[redacted]"
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-csrf-token"})


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to print: credentials replaced by a marker."""
    return {k: (REDACTED if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    # Loading the trust store costs ~40 ms; every client of the process shares the context
    # httpx would otherwise build afresh per client (even for plain-HTTP servers).
    return httpx.create_ssl_context()


class BearerAuth:
    """Holds the bearer token and puts it on requests; its repr never shows it."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def apply(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"

    def __repr__(self) -> str:
        return "BearerAuth(token=[redacted])"


class HttpCore:
    """One httpx.Client plus the policies every call shares."""

    def __init__(
        self,
        *,
        api_url: str,
        token: SecretStr | None,
        timeout: httpx.Timeout,
        retry: RetryPolicy,
        clock: Clock,
        rate_limiter: RequestRateLimiter | None,
        user_agent: str,
        transport: httpx.BaseTransport | None,
        verbose: bool = False,
        generation: Generation | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.retry = retry
        self.clock = clock
        self.rate_limiter = rate_limiter
        self.verbose = verbose
        self._auth = BearerAuth(token) if token is not None else None
        self._client = httpx.Client(
            base_url=self.api_url,
            timeout=timeout,
            verify=_default_ssl_context(),
            transport=transport,
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            follow_redirects=False,
        )
        self.requests_sent = 0
        # Told (seconds, why) before each wait: client pacing, Retry-After, a retry.
        self.on_wait: Callable[[float, str], None] | None = None
        # Given each 401 before it is raised, to say whose token was refused.
        self.on_rejected: Callable[[AuthenticationError], object] | None = None
        self.router = Router(self.api_url, self._fetch_catalog, generation=generation)

    def _fetch_catalog(self) -> tuple[int, Any, bytes, str | None]:
        """`GET /_catalog` for the router: (status, JSON body or None, raw bytes, header)."""
        response = self.request("GET", CATALOG_PATH, pass_statuses=frozenset({404}))
        if response.status_code == 404:
            return 404, None, b"", None
        return 200, parse_json(response), response.content, response.headers.get(CATALOG_HEADER)

    @property
    def has_token(self) -> bool:
        return self._auth is not None

    def close(self) -> None:
        self._client.close()

    # Long by its keyword options and docstring; the loop is one send-or-retry decision.
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        authenticated: bool = True,
        pass_statuses: frozenset[int] = frozenset(),
        headers: Mapping[str, str] | None = None,
        files: Mapping[str, Any] | None = None,
        stream: bool = False,
        retry: bool = True,
        read_only: bool = False,
        shown_path: str | None = None,
    ) -> httpx.Response:
        """Send with retries; return a 2xx response (or one whose status the caller handles).

        `pass_statuses` lets a resource take over bodies that are not ErrorBody, such as the
        Import object that arrives with a 400. With `stream` a 2xx body is left unread for
        the caller, who must close the response. `retry=False` sends once whatever happens
        (a run must never start twice); `read_only` retries a POST that changes nothing
        (a check) as an idempotent method is retried. `shown_path` replaces the path in
        logs and error messages when the real one carries a secret (a form token).
        """
        clean_params = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        shown = shown_path or path
        retried_as = "GET" if read_only else method
        attempt = 0
        while True:
            attempt += 1
            request = self._client.build_request(
                method, path, params=clean_params, json=json_body, headers=headers, files=files
            )
            if self.rate_limiter is not None:
                self.rate_limiter.acquire(on_wait=self._pacing_wait)
            try:
                response = self._send(
                    request, authenticated=authenticated, stream=stream, shown=shown_path
                )
            except DifyConnectionError as exc:
                if (
                    retry
                    and attempt <= self.retry.max_retries
                    and self.retry.may_retry_transport_error(retried_as, sent=exc.sent)
                ):
                    self._wait(
                        self.retry.backoff(attempt),
                        method,
                        shown,
                        reason=type(exc).__name__,
                        why=f"no answer from {self._host}, trying again",
                    )
                    continue
                raise
            self.router.note_fingerprint(response.headers.get(CATALOG_HEADER))
            if response.is_success or response.status_code in pass_statuses:
                return response
            if stream:
                response.read()
                response.close()
            error = error_from_response(response, method=method, path=shown, now=self.clock.time())
            if (
                retry
                and attempt <= self.retry.max_retries
                and self.retry.may_retry_status(retried_as, response.status_code)
            ):
                delay = self._delay_for(error, attempt)
                if delay is not None:
                    self._wait(
                        delay,
                        method,
                        shown,
                        reason=str(response.status_code),
                        why=self._why_retry(error),
                    )
                    continue
            if isinstance(error, AuthenticationError) and self.on_rejected is not None:
                self.on_rejected(error)
            raise error

    def _send(
        self,
        request: httpx.Request,
        *,
        authenticated: bool = True,
        stream: bool = False,
        shown: str | None = None,
    ) -> httpx.Response:
        started = time.perf_counter()
        method, path = request.method, shown or request.url.path
        if authenticated and self._auth is not None:
            self._auth.apply(request)
        if self.verbose:
            url = self.api_url + shown if shown else request.url
            logger.debug("→ %s %s %s", method, url, redact_headers(request.headers))
        try:
            self.requests_sent += 1
            response = self._client.send(request, stream=stream)
            if not stream:
                response.read()
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise DifyTimeoutError(
                f"timed out connecting to {request.url.host} ({method} {path})",
                method=method,
                url=self.api_url + shown if shown else str(request.url),
                sent=False,
            ) from exc
        except httpx.TimeoutException as exc:
            raise DifyTimeoutError(
                f"timed out waiting for {request.url.host} ({method} {path})",
                method=method,
                url=self.api_url + shown if shown else str(request.url),
            ) from exc
        except httpx.ConnectError as exc:
            raise DifyConnectionError(
                f"cannot connect to {request.url.scheme}://{request.url.netloc.decode()}: {exc}",
                method=method,
                url=self.api_url + shown if shown else str(request.url),
                sent=False,
            ) from exc
        except httpx.TransportError as exc:
            raise DifyConnectionError(
                f"connection to {request.url.host} failed during {method} {path}: "
                f"{type(exc).__name__}",
                method=method,
                url=self.api_url + shown if shown else str(request.url),
            ) from exc
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.debug("%s %s → %s in %.0f ms", method, path, response.status_code, elapsed_ms)
        return response

    def _delay_for(self, error: APIStatusError, attempt: int) -> float | None:
        retry_after = error.retry_after if isinstance(error, RateLimitError) else None
        if retry_after is None:
            return self.retry.backoff(attempt)
        if retry_after > self.retry.max_retry_after:
            return None
        return retry_after

    def _wait(self, delay: float, method: str, path: str, *, reason: str, why: str) -> None:
        logger.debug("retrying %s %s in %.2f s after %s", method, path, delay, reason)
        if self.on_wait is not None:
            self.on_wait(delay, why)
        self.clock.sleep(delay)

    def _pacing_wait(self, delay: float) -> None:
        if self.on_wait is not None and self.rate_limiter is not None:
            self.on_wait(delay, f"pacing at {self.rate_limiter.requests} requests/min")

    @property
    def _host(self) -> str:
        return httpx.URL(self.api_url).netloc.decode() or self.api_url

    def _why_retry(self, error: APIStatusError) -> str:
        if isinstance(error, RateLimitError):
            said = " (Retry-After)" if error.retry_after is not None else ""
            return f"rate limited by {self._host}{said}"
        return f"HTTP {error.status} from {self._host}, trying again"


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def parse_json(response: httpx.Response) -> Any:
    """The decoded body, or a ResponseValidationError that says what arrived instead."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        snippet = response.text[:120].replace("\n", " ")
        raise ResponseValidationError(
            f"expected JSON from {response.request.method} {response.request.url.path} "
            f"(HTTP {response.status_code}), got: {snippet!r}",
            status=response.status_code,
        ) from exc


def error_from_response(
    response: httpx.Response, *, method: str, path: str, now: float
) -> APIStatusError:
    """Map a non-2xx answer to the error class for its status, reading every body shape
    the contract allows: ErrorBody, RFC 8628 `{"error"}`, the S2 bearer rate-limit body,
    a bare JSON string (export's 404), or something that is not JSON at all."""
    status = response.status_code
    code = _DEFAULT_CODES.get(status, "unknown")
    message = response.reason_phrase or f"HTTP {status}"
    hint: str | None = None
    details: list[ErrorDetail] = []
    retry_after_ms: object = None
    try:
        body: Any = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = response.text
        if body.strip():
            message = body.strip().splitlines()[0][:200]
    else:
        if isinstance(body, dict):
            if isinstance(body.get("status"), int) and isinstance(body.get("code"), str):
                code = body["code"]
                message = str(body.get("message") or message)
                hint = body.get("hint") if isinstance(body.get("hint"), str) else None
                details = [
                    ErrorDetail.model_validate(d)
                    for d in body.get("details") or []
                    if isinstance(d, dict)
                ]
            elif isinstance(body.get("error"), str):
                code = body["error"]
                message = str(body.get("error_description") or body["error"])
                retry_after_ms = body.get("retry_after_ms")
        elif isinstance(body, str) and body:
            message = body
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code,
        "method": method,
        "path": path,
        "hint": hint,
        "details": details,
        "body": body,
    }
    if status == 429:
        retry_after = parse_retry_after(
            response.headers.get("Retry-After"), retry_after_ms, now=now
        )
        return RateLimitError(message, retry_after=retry_after, **kwargs)
    if status == 503 and isinstance(body, dict) and body.get("status") == 503:
        # An ErrorBody 503 is Dify's own kill switch, not a proxy that is overloaded.
        return OpenAPIDisabledError(message, **kwargs)
    return status_error_class(status)(message, **kwargs)


__all__ = ["BearerAuth", "DifyError", "HttpCore", "error_from_response", "parse_json"]
