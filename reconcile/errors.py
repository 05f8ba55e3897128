"""Refusals of the planners, each saying which flag or action overrides it."""

from __future__ import annotations


class PlanError(Exception):
    """A plan that cannot be made or applied, with a hint on what to do."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UnsafePlanError(PlanError):
    """A guard refused the plan (owner, acting account, removal ratio, last admin…)."""


class StalePlanError(PlanError):
    """The live state changed since the plan was reviewed: its checksum no longer matches."""


class ManifestError(PlanError):
    """A manifest that does not validate; the message starts with file:line:column."""
