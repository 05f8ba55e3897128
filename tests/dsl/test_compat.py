"""Version compatibility mirrors Dify's check_version_compatibility."""

from __future__ import annotations

import pytest

from dsl import ImportCompatibility, check_compatibility
from dsl.compat import is_minor_step

COMPLETED = ImportCompatibility.COMPLETED
WARNINGS = ImportCompatibility.COMPLETED_WITH_WARNINGS
PENDING = ImportCompatibility.PENDING
FAILED = ImportCompatibility.FAILED


@pytest.mark.parametrize(
    ("imported", "current", "expected"),
    [
        ("0.6.0", "0.6.0", COMPLETED),
        ("0.6.1", "0.6.0", PENDING),  # newer, even by a patch
        ("0.6.0", "0.6.3", COMPLETED),  # older patch never matters
        ("0.7.0", "0.6.0", PENDING),  # newer minor
        ("1.0.0", "0.6.0", PENDING),  # newer major
        ("0.5.0", "0.6.0", WARNINGS),  # older minor
        ("0.1.0", "0.6.0", WARNINGS),
        ("0.9.0", "1.0.0", PENDING),  # older major
        ("1.2.0", "2.0.0", PENDING),
        ("2.0.0", "2.3.1", WARNINGS),
        ("0.6", "0.6.0", COMPLETED),  # PEP 440: 0.6 == 0.6.0
        ("0.6.0rc1", "0.6.0", COMPLETED),  # older pre-release of the same minor
        ("latest", "0.6.0", FAILED),
        ("0.6.0", "not-a-version", FAILED),
        ("", "0.6.0", FAILED),
    ],
)
def test_compatibility_table(imported: str, current: str, expected: ImportCompatibility) -> None:
    assert check_compatibility(imported, current) is expected


def test_values_are_dify_import_statuses() -> None:
    assert [str(status) for status in ImportCompatibility] == [
        "completed",
        "completed-with-warnings",
        "pending",
        "failed",
    ]
    assert all(status.explanation for status in ImportCompatibility)


@pytest.mark.parametrize(
    ("imported", "current", "expected"),
    [
        ("0.6.0", "0.5.0", True),  # a newer minor version
        ("0.1.0", "0.6.0", True),
        ("1.0.0", "0.6.0", False),  # a newer major version
        ("0.9.0", "1.0.0", False),  # an older major version
        ("2.3.0", "2.0.1", True),
        ("latest", "0.6.0", False),  # unparsable: never a minor step
        ("0.6.0", "", False),
    ],
)
def test_a_minor_step_stays_within_one_major_version(
    imported: str, current: str, expected: bool
) -> None:
    assert is_minor_step(imported, current) is expected
