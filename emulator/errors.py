"""Errors of the emulated API, declared once, and the one renderer of Dify's ErrorBody.

Every non-2xx answer under `/openapi/v1` is an ErrorBody (contract §1.4)::

    {"code": str, "message": str, "status": int, "hint"?: str, "details"?: [{type, loc, msg}]}

with nulls omitted, `code` taken from the exception when it declares one and otherwise
derived from the status (400 bad_request … 502 bad_gateway, anything else `unknown`), and
the message of every 5xx replaced by `Internal Server Error`.

A few answers are deliberately *not* ErrorBody, exactly as on Dify; they subclass
`RawErrorResponse` and carry a pre-built body:

* RFC 8628 device-flow answers `{"error": "<code>"}` (§2.6);
* the S2 bearer rate limit `{"error": "rate_limited", "retry_after_ms": n}` + `Retry-After` (§1.6);
* export's bare JSON string 404 "Missing draft workflow configuration, please check." (§2.4).

(The Import object returned with HTTP 400 by import/confirm is a normal return value of
the DSL backend, not an exception.)

This module is framework-free: the backend raises these classes, and the HTTP layer
calls `render()`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

CODE_BY_STATUS: Mapping[int, str] = {
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

GENERIC_5XX_MESSAGE = "Internal Server Error"

# Werkzeug's default descriptions, which Dify's handler uses as the message when an
# exception carries none (unknown routes, the enterprise-only edition gate, …).
DEFAULT_MESSAGES: Mapping[int, str] = {
    400: "The browser (or proxy) sent a request that this server could not understand.",
    401: (
        "The server could not verify that you are authorized to access the URL requested. "
        "You either supplied the wrong credentials (e.g. a bad password), or your browser "
        "doesn't understand how to supply the credentials required."
    ),
    403: (
        "You don't have the permission to access the requested resource. It is either "
        "read-protected or not readable by the server."
    ),
    404: (
        "The requested URL was not found on the server. If you entered the URL manually "
        "please check your spelling and try again."
    ),
    405: "The method is not allowed for the requested URL.",
    409: (
        "A conflict happened while processing the request. The resource might have been "
        "modified while the request was being processed."
    ),
    422: "The request was well-formed but was unable to be followed due to semantic errors.",
    429: "This user has exceeded an allotted request count. Try again later.",
}

WWW_AUTHENTICATE = 'Bearer realm="api"'


@dataclass(frozen=True)
class ErrorDetail:
    type: str
    loc: tuple[str | int, ...]
    msg: str

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "loc": list(self.loc), "msg": self.msg}


def code_for_status(status: int) -> str:
    return CODE_BY_STATUS.get(status, "unknown")


def error_body(
    status: int,
    message: str | None = None,
    *,
    code: str | None = None,
    hint: str | None = None,
    details: Sequence[ErrorDetail] | None = None,
) -> dict[str, Any]:
    """Build an ErrorBody with the §1.4 rules (status-derived code, generic 5xx, nulls omitted)."""
    if status >= 500:
        text = GENERIC_5XX_MESSAGE
    else:
        text = message or DEFAULT_MESSAGES.get(status) or "request failed"
    body: dict[str, Any] = {
        "code": code or code_for_status(status),
        "message": text,
        "status": status,
    }
    if hint:
        body["hint"] = hint
    if details:
        body["details"] = [detail.to_json() for detail in details]
    return body


class EmulatorError(Exception):
    """Base of every error the emulated API answers with; subclasses declare the defaults."""

    status: ClassVar[int] = 400
    code: ClassVar[str | None] = None
    default_message: ClassVar[str | None] = None
    default_hint: ClassVar[str | None] = None

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        details: Sequence[ErrorDetail] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.hint = hint if hint is not None else self.default_hint
        self.details = list(details) if details else None
        self.headers = dict(headers or {})
        self.http_status = type(self).status
        super().__init__(self.message or type(self).__name__)

    def body(self) -> Any:
        return error_body(
            self.http_status, self.message, code=self.code, hint=self.hint, details=self.details
        )

    def response_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.http_status == 401:
            headers.setdefault("WWW-Authenticate", WWW_AUTHENTICATE)
        return headers


def render(error: EmulatorError) -> tuple[int, Any, dict[str, str]]:
    """The single rendering point: (HTTP status, JSON body, extra headers)."""
    return error.http_status, error.body(), error.response_headers()


# --- transport-generic errors ---------------------------------------------------------


class BadRequest(EmulatorError):
    status = 400


class Unauthorized(EmulatorError):
    status = 401


class Forbidden(EmulatorError):
    status = 403


class NotFound(EmulatorError):
    status = 404


class InvalidParam(EmulatorError):
    status = 422


class TooManyRequests(EmulatorError):
    status = 429


class InternalServerError(EmulatorError):
    status = 500


class ServiceUnavailable(EmulatorError):
    """503 maps to code `unknown` (§1.4: statuses outside the table)."""

    status = 503


class AppModeMismatch(InvalidParam):
    """S3's per-mode run routes: the app's mode is not the route's (`app_run.py`)."""

    code = "app_mode_mismatch"
    default_message = "This op does not serve apps of this mode."
    default_hint = "describe.console_app shows the app's mode."


class DslInvalid(BadRequest):
    """S3's import refuses a graph with error-severity issues (`app_dsl._refuse_invalid_dsl`).

    The class itself was not in the Dify source read for this emulator; its status and
    code here are the generic 400 ones with Dify's class name as the domain code.
    """

    code = "dsl_invalid"
    default_message = "The DSL has problems the import refuses."
    default_hint = "check.console_app.dsl lists every problem with its node and field."


class UpgradeRequired(EmulatorError):
    """S3's version gate (`_version_gate.py`): a difyctl older than the minimum."""

    status = 426
    code = "upgrade_required"
    default_hint = "Upgrade difyctl: https://docs.dify.ai/en/cli/install"


class RequestValidationFailed(InvalidParam):
    """The `@accepts` layer's 422 (strict query/body models)."""

    default_message = "Request validation failed"


# --- the auth pipeline (contract §1.3) ------------------------------------------------


class BearerRequired(Unauthorized):
    default_message = "bearer required"


class InvalidBearer(Unauthorized):
    # S2 raises InvalidBearerError("invalid_bearer") from libs/oauth_bearer.py (§5 lists the
    # exact wording as open; this is the text of the S2 authenticator).
    default_message = "invalid_bearer"


class AccountMissing(Unauthorized):
    default_message = "account not found"


class UnsupportedTokenType(Forbidden):
    default_message = "unsupported_token_type"


class ExternalSsoRequiresEnterprise(Forbidden):
    default_message = "external_sso_requires_ee"


class AppNotFound(NotFound):
    default_message = "app not found"


class WorkspaceNotFound(NotFound):
    default_message = "workspace not found"


class WorkspaceUnavailable(Forbidden):
    default_message = "workspace unavailable"


class ServiceApiDisabled(Forbidden):
    default_message = "service_api_disabled"


class WorkspaceMismatch(InvalidParam):
    default_message = "workspace_id does not match app's workspace"


class InsufficientRole(Forbidden):
    default_message = "insufficient workspace role"


# --- domain errors ----------------------------------------------------------------------


class SessionNotFound(NotFound):
    default_message = "session not found"


class MemberNotFound(NotFound):
    default_message = "member not found"


class MemberLimitExceeded(Forbidden):
    code = "member_limit_exceeded"
    default_message = "Subscription member limit reached."
    default_hint = "Upgrade your plan to invite more members or remove an existing member first."


class AccountRateLimited(TooManyRequests):
    """`GET /account`'s own per-account limit and the device-flow limiters (§1.6)."""

    default_message = "rate_limited"


class ConsoleLoginRequired(Unauthorized):
    """Approve/deny without a console session (flask-login's unauthorized handler)."""

    default_message = "Unauthorized."


class CsrfFailed(Unauthorized):
    default_message = "CSRF token is missing or invalid."


# --- answers that bypass the ErrorBody formatter ----------------------------------------


class RawErrorResponse(EmulatorError):
    """An error whose body is fixed by another contract, sent as is."""

    def __init__(
        self, status: int, payload: Any, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"raw {status}", headers=headers)
        self.http_status = status
        self.payload = payload

    def body(self) -> Any:
        return self.payload


class DeviceFlowError(RawErrorResponse):
    """RFC 8628 body `{"error": code}` (no error_description, as Dify sends it)."""

    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(status, {"error": error})
        self.error = error


class BearerRateLimited(RawErrorResponse):
    """The S2 bearer limiter's pre-built 429 (§1.6)."""

    def __init__(self, retry_after_seconds: float) -> None:
        seconds = max(1, int(-(-retry_after_seconds // 1)))
        super().__init__(
            429,
            {"error": "rate_limited", "retry_after_ms": max(1, int(retry_after_seconds * 1000))},
            headers={"Retry-After": str(seconds)},
        )
        self.retry_after_seconds = seconds


class ExportWorkflowMissing(RawErrorResponse):
    """Export's `WorkflowNotFoundError`, returned as `str(exc), 404` (a bare JSON string)."""

    MESSAGE = "Missing draft workflow configuration, please check."

    def __init__(self) -> None:
        super().__init__(404, self.MESSAGE)


# --- the runtime surface (contract §2.5) ------------------------------------------------


class RunValidation(InvalidParam):
    """A per-mode run rule (`query_required_for_chat`, …): Werkzeug's 422 with that text."""


class PreconditionFailed(EmulatorError):
    status = 412


class FormNotFound(NotFound):
    code = "form_not_found"
    default_message = "Form not found"


class FormSubmitted(PreconditionFailed):
    code = "human_input_form_submitted"


class FormExpired(PreconditionFailed):
    code = "human_input_form_expired"


class NoFileUploaded(BadRequest):
    code = "no_file_uploaded"
    default_message = "Please upload your file."


class TooManyFiles(BadRequest):
    code = "too_many_files"
    default_message = "Only one file is allowed."


class FilenameNotExists(BadRequest):
    code = "filename_not_exists"
    default_message = "The specified filename does not exist."


class FileExtensionBlocked(BadRequest):
    code = "file_extension_blocked"
    default_message = "File extension is blocked for security reasons."


class UnsupportedFileType(EmulatorError):
    status = 415
    code = "unsupported_file_type"
    default_message = "File type not allowed."


class FileTooLarge(EmulatorError):
    status = 413
    code = "file_too_large"


# --- S3 draft environment variables (Dify `api/controllers/openapi/_errors.py`) ---------


class DraftNotFound(NotFound):
    code = "draft_not_found"
    default_message = "This app has no draft."


class EnvVariableNotFound(NotFound):
    code = "env_variable_not_found"
    default_message = "The draft has no environment variable with this id."


class SecretMaskUnknownId(BadRequest):
    code = "secret_mask_unknown_id"
    default_message = (
        "The value is the masked secret placeholder, but env_id is not an existing secret."
    )


class SecretMaskNotSecret(BadRequest):
    code = "secret_mask_not_secret"
    default_message = (
        "The value is the masked secret placeholder, which only a secret value_type can keep."
    )


# --- S3 release operations ---


class VersionNotFound(NotFound):
    """`_errors.py` VersionNotFound: unknown or malformed version id (restore)."""

    code = "version_not_found"
    default_message = "No version with this id exists for this app."


class RunNotFound(NotFound):
    """`_errors.py` RunNotFound: unknown or malformed run id, or another app's run."""

    code = "run_not_found"
    default_message = "No run with this id exists for this app."


class VersionNotRestorable(BadRequest):
    """`_errors.py` VersionNotRestorable: the id names the draft, not a published version."""

    code = "version_not_restorable"
    default_message = "Only a published version can be restored."
