"""The exception family of the Dify client.

    DifyError
    ├── DifyConnectionError            no response arrived (DNS, refused, reset, timeout)
    │   └── DifyTimeoutError
    ├── ResponseValidationError        a response arrived but is not what the contract says
    ├── NotADifyServerError            the probe found no Dify OpenAPI v1 server at the URL
    ├── APIStatusError                 a non-2xx answer; one subclass per status
    │   ├── BadRequestError            400
    │   ├── AuthenticationError        401
    │   ├── PermissionDeniedError      403
    │   ├── NotFoundError              404
    │   ├── ConflictError              409
    │   ├── PayloadTooLargeError       413
    │   ├── UnsupportedMediaTypeError  415
    │   ├── UnprocessableEntityError   422
    │   ├── UpgradeRequiredError       426  (the server's version gate: this client is too old)
    │   ├── RateLimitError             429  (.retry_after in seconds, when the server said)
    │   └── ServerError                5xx  (OpenAPIDisabledError: 503 from the kill switch)
    ├── ImportFailedError              an import ended `failed` and the caller asked to raise
    ├── RunRequestError                a run request the server would refuse, caught before sending
    ├── RunFailed                      an `error` event ended a run stream that had started
    ├── UnsupportedOperationError      the server's API generation lacks the operation
    ├── CredentialsNotFoundError       no server and token to use
    │   └── UnknownProfileError        no profile of the name asked for
    ├── WorkspaceLookupError           no workspace (or several) has the id or name asked for
    └── DeviceFlowError                RFC 8628 answers of the device flow
        ├── AccessDeniedError
        ├── DeviceCodeExpiredError
        ├── UnsupportedClientError
        └── DeviceFlowCancelled

Every error's text is built from the request method, the path and the server's words; the
bearer token is never part of a request line, so it cannot reach a message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dify_client.remedies import Prose, Remedy, Step, remedies, say

if TYPE_CHECKING:
    from dify_client.models.dsl import Import
    from dify_client.models.errors import ErrorDetail
    from dify_client.models.runs import RunResult


class DifyError(Exception):
    """Root of every error raised by the client.

    A hint given as `Prose` points to actions (`Step`s) a front end may spell its own way;
    `hint` is that prose in neutral words, and `remedy` the first action's key.
    """

    hint: str | None = None
    hint_prose: Prose | None = None

    def __init__(self, message: str, *, hint: str | Prose | None = None) -> None:
        super().__init__(message)
        self.message = message
        if isinstance(hint, tuple):
            self.hint_prose = hint
            self.hint = say(hint)
        elif hint is not None:
            self.hint, self.hint_prose = hint, None  # the server's words replace the class's

    @property
    def remedies(self) -> tuple[Remedy, ...]:
        return remedies(self.hint_prose)

    @property
    def remedy(self) -> Remedy | None:
        return next(iter(self.remedies), None)

    def __str__(self) -> str:
        return self.message


class DifyConnectionError(DifyError):
    """No response arrived: the server could not be reached or dropped the connection."""

    hint = "Check the server URL and that the server is running."

    def __init__(self, message: str, *, method: str = "", url: str = "", sent: bool = True) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        # False when the request provably never reached the server (connect failed), which
        # is the only case where a non-idempotent POST may be retried.
        self.sent = sent


class DifyTimeoutError(DifyConnectionError):
    """The server did not answer in time."""

    hint = "The server is slow or unreachable; retry later or raise the timeout."


class ResponseValidationError(DifyError):
    """The server answered, but the body does not match the contract (bad JSON, bad shape)."""

    def __init__(self, message: str, *, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class NotADifyServerError(DifyError):
    """The URL does not lead to a Dify server with the user-scoped OpenAPI v1 enabled."""

    hint = (
        "Give the Dify base URL (for example https://dify.example.com); the OpenAPI must be "
        "enabled on the server (OPENAPI_ENABLED, ENABLE_OAUTH_BEARER)."
    )


class APIStatusError(DifyError):
    """A non-2xx answer from the server, carrying Dify's ErrorBody fields."""

    status_code: int = 0

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str,
        method: str = "",
        path: str = "",
        hint: str | Prose | None = None,
        details: list[ErrorDetail] | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code
        self.method = method
        self.path = path
        self.details: list[ErrorDetail] = list(details or [])
        self.body = body

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.method else ""
        return f"{self.status} {self.code}: {self.message}{where}"


class BadRequestError(APIStatusError):
    status_code = 400


class AuthenticationError(APIStatusError):
    """401. `profile` names the profile whose token was refused, once its credentials
    have explained the refusal (None for DIFY_TOKEN or a bare client)."""

    status_code = 401
    profile: str | None = None
    explained = False
    hint_prose = (Step(Remedy.SIGN_IN, "Sign in again"), ", or check DIFY_TOKEN.")
    hint = say(hint_prose)


class PermissionDeniedError(APIStatusError):
    status_code = 403


class NotFoundError(APIStatusError):
    status_code = 404


class ConflictError(APIStatusError):
    status_code = 409


class PayloadTooLargeError(APIStatusError):
    status_code = 413


class UnsupportedMediaTypeError(APIStatusError):
    status_code = 415


class UnprocessableEntityError(APIStatusError):
    status_code = 422


class RateLimitError(APIStatusError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        if self.hint is None or self.hint == RateLimitError.hint:
            wait = f" in {retry_after:g} s" if retry_after is not None else " later"
            self.hint = f"The server is rate limiting this token; try again{wait}."


class UpgradeRequiredError(APIStatusError):
    """426: the server's version gate refuses this client as too old."""

    status_code = 426
    hint = "The server needs a newer client: upgrade difyops (pip install -U difyops)."


class ServerError(APIStatusError):
    status_code = 500


class OpenAPIDisabledError(ServerError):
    status_code = 503
    hint = "The server's OpenAPI bearer auth is switched off (ENABLE_OAUTH_BEARER=false)."


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    cls.status_code: cls
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        PayloadTooLargeError,
        UnsupportedMediaTypeError,
        UnprocessableEntityError,
        RateLimitError,
        UpgradeRequiredError,
    )
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The exception class for an HTTP status (unknown 4xx fall back to the base class)."""
    if status >= 500:
        return ServerError
    return _STATUS_CLASSES.get(status, APIStatusError)


class ImportFailedError(DifyError):
    """A DSL import or confirm ended with status `failed` and the caller asked to raise."""

    def __init__(self, result: Import) -> None:
        reason = result.error or "no reason given by the server"
        super().__init__(f"import failed: {reason}")
        self.result = result


class RunRequestError(DifyError, ValueError):
    """A run request the server would refuse with a 422, caught before it is sent.

    `code` is the server's code for the same refusal (`query_required_for_chat`,
    `query_not_supported_for_workflow`, `mode_not_runnable`, `invalid_conversation_id`,
    `invalid_file_ref`).
    """

    def __init__(self, code: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code


class RunFailed(DifyError):
    """An `error` event arrived after the run stream started: the run is over.

    `status` is the HTTP-like status Dify put in the event; `result` is what the run
    came to up to the error (status "failed"), for callers that report rather than stop.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        task_id: str | None = None,
        run_id: str | None = None,
        result: RunResult | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.task_id = task_id
        self.run_id = run_id
        self.result = result

    def __str__(self) -> str:
        return f"run failed ({self.code or 'error'}): {self.message}"


class DeviceFlowError(DifyError):
    """An RFC 8628 error answer (`{"error": ...}`) from the device flow."""

    default_message = "the device flow failed"

    def __init__(
        self, error: str, message: str | None = None, *, hint: str | Prose | None = None
    ) -> None:
        super().__init__(message or f"{self.default_message} ({error})", hint=hint)
        self.error = error


class AccessDeniedError(DeviceFlowError):
    default_message = "the sign-in request was denied"
    hint = "Someone chose Deny on the verification page; run the login again if that was a mistake."


class DeviceCodeExpiredError(DeviceFlowError):
    default_message = "the sign-in code expired before it was approved"
    hint = "Run the login again and approve the new code within its lifetime."


class UnsupportedClientError(DeviceFlowError):
    default_message = "the server does not accept this client id"
    hint = "The server must list the client id in OPENAPI_KNOWN_CLIENT_IDS."


class DeviceFlowCancelled(DeviceFlowError):
    def __init__(self) -> None:
        super().__init__("cancelled", "sign-in cancelled")


class UnsupportedOperationError(DifyError):
    """The server's API generation has no such operation (publish on an S2 server, say)."""

    def __init__(self, message: str, *, op: str, generation: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.op = op
        self.generation = generation


class ConfigFileError(DifyError):
    """A local profile or credentials file cannot be read."""


class CredentialsNotFoundError(DifyError):
    """No server and token to use: not signed in, unknown profile, or a lost token."""


class UnknownProfileError(CredentialsNotFoundError):
    """No profile of the name asked for: a mistake in the request, not a lost sign-in.

    `asked` is the name asked for, `profiles` the names there are, `suggestion` a near
    miss when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        asked: str,
        profiles: list[str],
        suggestion: str | None = None,
        hint: str | Prose | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.asked = asked
        self.profiles = profiles
        self.suggestion = suggestion


class WorkspaceLookupError(DifyError):
    """No workspace, or more than one, answers to the id or name asked for.

    `asked` is what was asked for, `visible` the names the account can see (quoted, or
    "none"), `suggestion` a near miss when there is one, `ids` the workspaces an ambiguous
    name matches (empty when nothing matched).
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str,
        asked: tuple[str, ...],
        visible: str,
        suggestion: str | None = None,
        ids: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, hint=hint)
        self.asked = asked
        self.visible = visible
        self.suggestion = suggestion
        self.ids = ids

    @property
    def ambiguous(self) -> bool:
        return bool(self.ids)
