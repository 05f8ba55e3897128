"""DSL version compatibility, as Dify decides it on import.

Mirrors ``check_version_compatibility`` in Dify's ``api/services/dsl_version.py``
(dsl-format.md §8): versions compare under PEP 440 (`packaging`); an unparsable version
fails; a newer version, or an older major version, leaves the import *pending* until the
user confirms; an older minor version imports *with warnings*; anything else (same
major and minor, any patch) completes.
"""

from __future__ import annotations

from enum import StrEnum

from packaging.version import InvalidVersion, Version


class ImportCompatibility(StrEnum):
    """Dify's ``ImportStatus`` values, which the import API returns as they are."""

    COMPLETED = "completed"
    COMPLETED_WITH_WARNINGS = "completed-with-warnings"
    PENDING = "pending"
    FAILED = "failed"

    @property
    def explanation(self) -> str:
        return _EXPLANATIONS[self]


_EXPLANATIONS = {
    ImportCompatibility.COMPLETED: "imports without questions",
    ImportCompatibility.COMPLETED_WITH_WARNINGS: (
        "older minor DSL version: Dify imports it and warns that some features may differ"
    ),
    ImportCompatibility.PENDING: (
        "newer DSL version, or an older major one: Dify holds the import until it is confirmed"
    ),
    ImportCompatibility.FAILED: "the version cannot be parsed: Dify fails the import",
}


def check_compatibility(imported_version: str, current_version: str) -> ImportCompatibility:
    """How Dify at `current_version` treats a DSL declaring `imported_version`."""
    try:
        current = Version(current_version)
        imported = Version(imported_version)
    except (InvalidVersion, TypeError):
        return ImportCompatibility.FAILED
    if imported > current:
        return ImportCompatibility.PENDING
    if imported.major < current.major:
        return ImportCompatibility.PENDING
    if imported.minor < current.minor:
        return ImportCompatibility.COMPLETED_WITH_WARNINGS
    return ImportCompatibility.COMPLETED


def is_valid_version(version: str) -> bool:
    try:
        Version(version)
    except (InvalidVersion, TypeError):
        return False
    return True


def is_minor_step(imported_version: str, current_version: str) -> bool:
    """Whether importing `imported_version` into a server at `current_version` stays within
    one major version, either way: the step a pending import may be confirmed for under a
    "minor" policy. Unparsable versions are never a minor step."""
    try:
        imported = Version(imported_version)
        current = Version(current_version)
    except (InvalidVersion, TypeError):
        return False
    return imported.major == current.major
