"""`DifyClient`: the entry point. One httpx client, one retry policy, resources as attributes."""

from __future__ import annotations

import platform
from collections.abc import Callable
from functools import cached_property
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from dify_client._clock import Clock, SystemClock
from dify_client._constants import (
    API_PREFIX,
    DEFAULT_CONNECT_TIMEOUT_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
)
from dify_client._errors import (
    APIStatusError,
    AuthenticationError,
    NotADifyServerError,
    ResponseValidationError,
)
from dify_client._http import HttpCore, parse_json
from dify_client._ratelimit import RequestRateLimiter, shared_limiter
from dify_client._retry import RetryPolicy
from dify_client._routing import Generation, generation_from_env
from dify_client._version import __version__
from dify_client.models.meta import HealthResponse, ServerVersion
from dify_client.resources._base import validate
from dify_client.resources.account import AccountResource, SessionsResource
from dify_client.resources.apps import AppsResource
from dify_client.resources.device import DeviceResource
from dify_client.resources.dsl import DslResource
from dify_client.resources.env import EnvResource
from dify_client.resources.files import FilesResource
from dify_client.resources.forms import FormsResource
from dify_client.resources.releases import ReleasesResource
from dify_client.resources.runs import RunsResource
from dify_client.resources.workspaces import MembersResource, WorkspacesResource

# One clock for every client by default: clients share rate limiters only when they share
# a clock (tests give each client a fake one of its own).
_SYSTEM_CLOCK = SystemClock()


def normalize_base_url(url: str) -> str:
    """`https://dify.example.com[/openapi/v1][/]` → `https://dify.example.com`."""
    url = url.strip().rstrip("/")
    if not url:
        raise ValueError("the server URL is empty")
    if "://" not in url:
        url = f"https://{url}"
    if url.endswith(API_PREFIX):
        url = url[: -len(API_PREFIX)]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url


def default_user_agent() -> str:
    return f"difyops/{__version__} ({platform.system().lower()}; {platform.machine().lower()})"


class DifyClient:
    """A client for one Dify server and (optionally) one bearer token.

    >>> with DifyClient("https://dify.example.com", token=token) as dify:
    ...     for app in dify.apps.iter_all(workspace_id):
    ...         print(app.name)

    `generation` forces the server's API generation (`s2`/`s3`) instead of detecting it
    (default: `DIFYOPS_API_GENERATION`, else detection through `GET /_catalog`).
    `rate_limit` paces requests client-side (requests per minute; Dify allows 60 per token);
    `clock` makes retries, pacing and polling testable without real sleeps.
    """

    def __init__(
        self,
        base_url: str,
        token: str | SecretStr | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: int | None = None,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent: str | None = None,
        verbose: bool = False,
        generation: Generation | None = None,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.clock = clock or _SYSTEM_CLOCK
        policy = retry or RetryPolicy()
        if max_retries is not None:
            policy = RetryPolicy(
                max_retries=max_retries,
                initial_delay=policy.initial_delay,
                max_delay=policy.max_delay,
                max_retry_after=policy.max_retry_after,
                jitter=policy.jitter,
                rng=policy.rng,
            )
        secret = SecretStr(token) if isinstance(token, str) else token
        self._http = HttpCore(
            api_url=self.base_url + API_PREFIX,
            token=secret,
            timeout=httpx.Timeout(timeout, connect=min(timeout, DEFAULT_CONNECT_TIMEOUT_SECONDS)),
            retry=policy,
            clock=self.clock,
            rate_limiter=(
                shared_limiter(
                    self.base_url,
                    secret.get_secret_value() if secret else None,
                    rate_limit,
                    clock=self.clock,
                )
                if rate_limit
                else None
            ),
            user_agent=user_agent or default_user_agent(),
            transport=transport,
            verbose=verbose,
            generation=generation if generation is not None else generation_from_env(),
        )

    @property
    def on_wait(self) -> Callable[[float, str], None] | None:
        """Told `(seconds, why)` before each wait of this client: its own pacing under
        `rate_limit`, a server's Retry-After, a retry's back-off (to say why it is quiet)."""
        return self._http.on_wait

    @on_wait.setter
    def on_wait(self, callback: Callable[[float, str], None] | None) -> None:
        self._http.on_wait = callback

    @property
    def on_rejected(self) -> Callable[[AuthenticationError], object] | None:
        """Given each 401 of this client before it is raised: a profile's credentials
        reword it to say whose token the server refused, and why."""
        return self._http.on_rejected

    @on_rejected.setter
    def on_rejected(self, callback: Callable[[AuthenticationError], object] | None) -> None:
        self._http.on_rejected = callback

    # Resources are built on first use; each is a thin view over the shared HttpCore.
    @cached_property
    def account(self) -> AccountResource:
        return AccountResource(self._http)

    @cached_property
    def sessions(self) -> SessionsResource:
        return SessionsResource(self._http)

    @cached_property
    def device(self) -> DeviceResource:
        return DeviceResource(self._http)

    @cached_property
    def workspaces(self) -> WorkspacesResource:
        return WorkspacesResource(self._http)

    @cached_property
    def members(self) -> MembersResource:
        return MembersResource(self._http)

    @cached_property
    def apps(self) -> AppsResource:
        return AppsResource(self._http)

    @cached_property
    def dsl(self) -> DslResource:
        return DslResource(self._http)

    @cached_property
    def releases(self) -> ReleasesResource:
        """Publish, versions, restore and the release check (S3 servers only)."""
        return ReleasesResource(self._http)

    @cached_property
    def runs(self) -> RunsResource:
        return RunsResource(self._http)

    @cached_property
    def files(self) -> FilesResource:
        return FilesResource(self._http)

    @cached_property
    def forms(self) -> FormsResource:
        return FormsResource(self._http)

    @cached_property
    def env(self) -> EnvResource:
        """Draft environment variables of workflow and advanced-chat apps (S3 servers)."""
        return EnvResource(self._http)

    @property
    def generation(self) -> Generation:
        """The server's API generation, `s2` or `s3` (detected on first use, then cached)."""
        return self._http.router.generation

    def supports(self, op: str) -> bool:
        """Whether the server has the operation (an op id such as `publish.console_app`)."""
        return self._http.router.supports(op)

    @property
    def has_token(self) -> bool:
        return self._http.has_token

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent so far, retries included (for reports and benchmarks)."""
        return self._http.requests_sent

    @property
    def rate_limiter(self) -> RequestRateLimiter | None:
        return self._http.rate_limiter

    def health(self) -> HealthResponse:
        response = self._http.request("GET", "/_health", authenticated=False)
        return validate(HealthResponse, parse_json(response), where="GET /_health")

    def version(self) -> ServerVersion:
        response = self._http.request("GET", "/_version", authenticated=False)
        return validate(ServerVersion, parse_json(response), where="GET /_version")

    def probe(self) -> ServerVersion:
        """Check that the URL is a Dify server with OpenAPI v1 on, and say which version.

        Raises NotADifyServerError with a hint when it is not (a 404 on the probe means
        the path does not exist there: another server, or Dify with OPENAPI_ENABLED off).
        """
        try:
            health = self.health()
            version = self.version()
        except (APIStatusError, ResponseValidationError) as exc:
            raise NotADifyServerError(
                f"{self.base_url} does not answer as a Dify OpenAPI v1 server ({exc})"
            ) from exc
        if not health.ok:
            raise NotADifyServerError(f"{self.base_url} reports itself unhealthy")
        return version

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        token = "[redacted]" if self.has_token else "None"
        return f"DifyClient(base_url={self.base_url!r}, token={token})"


__all__ = ["DifyClient", "default_user_agent", "normalize_base_url"]
