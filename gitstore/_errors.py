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


def git_reason(text: object) -> str:
    """git's reason for failing: its `fatal:`/`error:` line, else its last line."""
    raw = str(text or "").strip()
    # GitPython wraps git's stderr as "stderr: '…'".
    if raw.startswith("stderr: '"):
        raw = raw.removeprefix("stderr: '").removesuffix("'")
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    reasons = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (reasons or lines or ["unknown git error"])[0 if reasons else -1]


def safe_url(url: str) -> str:
    """A remote URL without any credentials embedded in it."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
