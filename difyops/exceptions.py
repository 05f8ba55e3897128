"""Errors difyops itself detects (as opposed to the server): each knows its exit code."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Stable exit codes (documented in `difyops --help` and the README)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    # `plan --detailed-exitcode` (Terraform's contract): 2 means there are changes, so a
    # usage error of such a command exits ERROR instead (see `difyops.main`). An alias of
    # USAGE by value: `ExitCode.CHANGES is ExitCode.USAGE`.
    CHANGES = 2
    # A guard refused the plan (the owner, the acting account, the removal ratio, the last
    # admin): nothing was changed, and the refusal names the override. Apart from ERROR so
    # a pipeline can tell "needs a person's decision" from "broken".
    UNSAFE = 3
    AUTH = 4
    RATE_LIMITED = 7
    CANCELLED = 130


class DifyopsError(Exception):
    """A failure with a one-line message, an optional hint, and an exit code."""

    exit_code: ExitCode = ExitCode.ERROR
    code: str = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(DifyopsError):
    exit_code = ExitCode.USAGE
    code = "usage"


class NotSignedInError(DifyopsError):
    exit_code = ExitCode.AUTH
    code = "not_signed_in"
