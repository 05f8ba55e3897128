"""The one place where exceptions become a message, a hint and an exit code.

Expected failures (server refusals, bad input, no credentials, rate limits) print one line,
the hint when there is one, and exit with a stable code; no Python traceback. Set
DIFYOPS_DEBUG=1 to see the traceback of an unexpected error.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from dify_client import (
    APIStatusError,
    AuthenticationError,
    CredentialsNotFoundError,
    DeviceFlowCancelled,
    DeviceFlowError,
    DifyConnectionError,
    DifyError,
    RateLimitError,
    UnknownProfileError,
    WorkspaceLookupError,
)
from dify_client.remedies import say
from difyops._spelling import cli_setting, cli_step
from difyops.exceptions import DifyopsError, ExitCode
from dsl import DslError, DslParseError
from reconcile.errors import (
    ManifestError,
    PlanError,
    StalePlanError,
    UnknownPlanError,
    UnsafePlanError,
)


def classify(exc: BaseException) -> tuple[ExitCode, str, str, str | None, dict[str, Any]]:
    """(exit code, error code, message, hint, extra JSON fields) for an exception.

    Message and hint name the commands and flags of the CLI where the error names an
    action or an override by key.
    """
    exit_code, code, message, hint, extra = _classify(exc)
    if _unknown_workspace(exc) or _unknown_profile(exc):
        exit_code, code = ExitCode.USAGE, "usage"
    if isinstance(exc, DifyError) and exc.hint_prose is not None:
        hint = say(exc.hint_prose, cli_step)
    if isinstance(exc, PlanError):
        message, hint = exc.spelled(cli_setting)
    return exit_code, code, message, hint, extra


def _classify(exc: BaseException) -> tuple[ExitCode, str, str, str | None, dict[str, Any]]:
    if isinstance(exc, KeyboardInterrupt | DeviceFlowCancelled):
        return ExitCode.CANCELLED, "cancelled", "cancelled", None, {}
    if isinstance(exc, DifyopsError):
        # An interrupted apply lists what it made and what not (`extra`), for --json too.
        return exc.exit_code, exc.code, exc.message, exc.hint, dict(getattr(exc, "extra", {}))
    if isinstance(exc, APIStatusError):
        extra: dict[str, Any] = {"status": exc.status}
        if exc.details:
            extra["details"] = [d.model_dump() for d in exc.details]
        if isinstance(exc, RateLimitError):
            if exc.retry_after is not None:
                extra["retry_after"] = exc.retry_after
            return ExitCode.RATE_LIMITED, exc.code, str(exc), exc.hint, extra
        code = ExitCode.AUTH if isinstance(exc, AuthenticationError) else ExitCode.ERROR
        if isinstance(exc, AuthenticationError) and exc.profile:
            extra["profile"] = exc.profile  # whose token was refused, for scripts
        return code, exc.code, str(exc), exc.hint, extra
    if isinstance(exc, CredentialsNotFoundError):
        return ExitCode.AUTH, "not_signed_in", exc.message, exc.hint, {}
    if isinstance(exc, DeviceFlowError):
        return ExitCode.AUTH, exc.error, exc.message, exc.hint, {}
    if isinstance(exc, DifyConnectionError):
        return ExitCode.ERROR, "connection", exc.message, exc.hint, {}
    if isinstance(exc, DifyError):
        return ExitCode.ERROR, _client_code(exc), exc.message, exc.hint, {}
    if isinstance(exc, DslParseError):
        where = f"{exc.source}:{exc.line}:{exc.column}"
        return ExitCode.ERROR, "dsl", f"{where}: {exc.message}", exc.hint, {}
    if isinstance(exc, DslError):
        return ExitCode.ERROR, "dsl", str(exc), getattr(exc, "hint", None), {}
    if isinstance(exc, PlanError):
        code = ExitCode.UNSAFE if isinstance(exc, UnsafePlanError) else ExitCode.ERROR
        return code, _plan_code(exc), exc.message, exc.hint, {}
    if _is_git_error(exc):
        return ExitCode.ERROR, "git", str(exc), getattr(exc, "hint", None), {}
    if (found := _bad_input(exc)) is not None:
        return ExitCode.ERROR, *found, {}
    return (
        ExitCode.ERROR,
        "internal",
        f"unexpected error: {type(exc).__name__}: {exc}",
        "This is a bug in difyops; run again with DIFYOPS_DEBUG=1 for a traceback and report it.",
        {},
    )


def _unknown_workspace(exc: BaseException) -> bool:
    """A workspace argument that names none the account can see, or several: a usage
    error (exit 2) in every command, also where a lower layer re-words the lookup's error
    on its way up (the lookup is then the context the error was raised in). A manifest
    naming one is a manifest error, exit 1 like every other line of the file gets wrong."""
    if isinstance(exc, ManifestError):
        return False
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return False
        if isinstance(seen, WorkspaceLookupError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _unknown_profile(exc: BaseException) -> bool:
    """A profile asked for that does not exist: a usage error (exit 2) in every command,
    as an unknown workspace, also where a job re-raised it from its own error."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return False
        if isinstance(seen, UnknownProfileError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _bad_input(exc: BaseException) -> tuple[str, str, str] | None:
    """(code, message, hint) of input no command could use, wherever it was read: a file
    that is not UTF-8, a path that is not what it should be, absurdly deep nesting."""
    if isinstance(exc, UnicodeDecodeError):
        byte = exc.object[exc.start : exc.start + 1]
        return (
            "not_utf8",
            f"a file is not UTF-8 text (byte {bytes(byte)!r} at offset {exc.start:,})",
            "Save the file as UTF-8; difyops reads DSLs, manifests and smoke files as UTF-8.",
        )
    if isinstance(exc, NotADirectoryError | IsADirectoryError | FileNotFoundError):
        path = exc.filename or "a path"
        expected = "a directory" if isinstance(exc, NotADirectoryError) else "a file"
        if isinstance(exc, FileNotFoundError):
            expected = "an existing path"
        return (
            "bad_path",
            f"{path}: {exc.strerror or exc}",
            f"Check the paths given: {expected} was expected there (a backup repository "
            "is a directory; DSLs and manifests are files).",
        )
    if isinstance(exc, PermissionError):
        return (
            "bad_path",
            f"{exc.filename or 'a path'}: {exc.strerror or exc}",
            "Check the path and its permissions, or give one this user can read and write.",
        )
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        # Any other refusal of the file system about a path it was given (read-only,
        # name too long, a loop of links): the path, not difyops.
        return (
            "bad_path",
            f"{exc.filename}: {exc.strerror}",
            "Check the paths given on the command line.",
        )
    if isinstance(exc, RecursionError):
        return (
            "too_deep",
            "the input nests too deeply to be read",
            "A Dify DSL or manifest is a few dozen levels deep; check the file.",
        )
    return None


# The `code` of a JSON error is part of the CLI's contract (README, "Errors"): a short
# snake_case word per kind of failure, never a Python class name, so renaming a class
# cannot break a script. HTTP refusals carry the server's own code beside `status`.
# Client errors by class name (looked up along the class's bases), so that the table
# needs no import of the client's private error classes.
_CLIENT_CODES = {
    "WorkspaceLookupError": "workspace",
    "ResponseValidationError": "bad_response",
    "NotADifyServerError": "not_dify",
    "ImportFailedError": "import_failed",
    "RunRequestError": "bad_run_input",
    "RunFailed": "run_failed",
    "UnsupportedOperationError": "unsupported",
    "ConfigFileError": "config_file",
}
_PLAN_CODES: tuple[tuple[type[PlanError], str], ...] = (
    (UnsafePlanError, "unsafe_plan"),
    (StalePlanError, "stale_plan"),
    (ManifestError, "manifest"),
    (UnknownPlanError, "unknown_plan"),
)


def _client_code(exc: DifyError) -> str:
    names = (kind.__name__ for kind in type(exc).__mro__)
    return next((_CLIENT_CODES[name] for name in names if name in _CLIENT_CODES), "error")


def _plan_code(exc: PlanError) -> str:
    return next((code for kind, code in _PLAN_CODES if isinstance(exc, kind)), "plan")


def _is_git_error(exc: BaseException) -> bool:
    # The CLI reaches git only through flows, so it recognises git errors by their module
    # instead of importing the adapter.
    return type(exc).__module__.startswith("gitstore")


def render_error(exc: BaseException, *, json_mode: bool, usage_hint: str | None = None) -> int:
    """Print the error (one line and a hint; one JSON object under --json) and return the
    exit code. A usage error that brings no hint of its own gets `usage_hint`."""
    exit_code, code, message, hint, extra = classify(exc)
    if hint is None and exit_code == ExitCode.USAGE:
        hint = usage_hint
    if exit_code == ExitCode.ERROR and code == "internal" and os.environ.get("DIFYOPS_DEBUG"):
        raise exc
    if json_mode:
        payload: dict[str, Any] = {"code": code, "message": message, **extra}
        if hint:
            payload["hint"] = hint
        sys.stderr.write(json.dumps({"error": payload}, ensure_ascii=False) + "\n")
    else:
        lines = [f"error: {message}"]
        if isinstance(exc, APIStatusError):
            lines += [f"  {'.'.join(map(str, d.loc))}: {d.msg}" for d in exc.details]
        if hint:
            lines.append(f"hint: {hint}")
        sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()
    return int(exit_code)
