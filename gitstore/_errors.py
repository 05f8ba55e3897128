"""Errors of the git adapter, phrased for the person who has to act on them."""

from __future__ import annotations


class GitStoreError(Exception):
    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class PushRejectedError(GitStoreError):
    """The remote moved on and our commit could not be rebased onto it cleanly."""
