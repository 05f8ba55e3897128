"""A typed client for Dify's user-scoped OpenAPI v1 (`/openapi/v1`).

Imports nothing from the rest of difyops: it is usable on its own.
"""

from dify_client._client import DifyClient, default_user_agent, normalize_base_url
from dify_client._clock import Clock, SystemClock, WaitInterrupted, interrupt_waits, resume_waits
from dify_client._constants import MAX_PAGE_LIMIT
from dify_client._device_flow import DeviceFlow, PollUpdate
from dify_client._errors import (
    AccessDeniedError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConfigFileError,
    ConflictError,
    CredentialsNotFoundError,
    DeviceCodeExpiredError,
    DeviceFlowCancelled,
    DeviceFlowError,
    DifyConnectionError,
    DifyError,
    DifyTimeoutError,
    ImportFailedError,
    NotADifyServerError,
    NotFoundError,
    OpenAPIDisabledError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    RunFailed,
    RunRequestError,
    ServerError,
    UnknownProfileError,
    UnprocessableEntityError,
    UnsupportedClientError,
    UnsupportedMediaTypeError,
    WorkspaceLookupError,
)
from dify_client._files import write_atomic
from dify_client._http import REDACTED, redact_headers
from dify_client._ids import is_uuid
from dify_client._pagination import Page
from dify_client._ratelimit import RequestRateLimiter
from dify_client._retry import RetryPolicy
from dify_client._run_stream import RunStream
from dify_client._version import __version__
from dify_client.models.lookup import find_workspace, find_workspaces

__all__ = [
    "MAX_PAGE_LIMIT",
    "REDACTED",
    "APIStatusError",
    "AccessDeniedError",
    "AuthenticationError",
    "BadRequestError",
    "Clock",
    "ConfigFileError",
    "ConflictError",
    "CredentialsNotFoundError",
    "DeviceCodeExpiredError",
    "DeviceFlow",
    "DeviceFlowCancelled",
    "DeviceFlowError",
    "DifyClient",
    "DifyConnectionError",
    "DifyError",
    "DifyTimeoutError",
    "ImportFailedError",
    "NotADifyServerError",
    "NotFoundError",
    "OpenAPIDisabledError",
    "Page",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PollUpdate",
    "RateLimitError",
    "RequestRateLimiter",
    "ResponseValidationError",
    "RetryPolicy",
    "RunFailed",
    "RunRequestError",
    "RunStream",
    "ServerError",
    "SystemClock",
    "UnknownProfileError",
    "UnprocessableEntityError",
    "UnsupportedClientError",
    "UnsupportedMediaTypeError",
    "WaitInterrupted",
    "WorkspaceLookupError",
    "__version__",
    "default_user_agent",
    "find_workspace",
    "find_workspaces",
    "interrupt_waits",
    "is_uuid",
    "normalize_base_url",
    "redact_headers",
    "resume_waits",
    "write_atomic",
]
