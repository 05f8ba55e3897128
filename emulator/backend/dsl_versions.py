"""DSL version compatibility, as `services/dsl_version.check_version_compatibility` decides.

imported newer than current → pending; lower major → pending; lower minor →
completed-with-warnings; otherwise completed (a lower patch never matters, a *higher*
patch is "newer" and so pending). Unparseable → failed.
"""

from __future__ import annotations

from typing import Literal

from packaging.version import InvalidVersion, Version

ImportStatus = Literal["completed", "completed-with-warnings", "pending", "failed"]


def check_version_compatibility(imported: str, current: str) -> ImportStatus:
    try:
        current_version = Version(current)
        imported_version = Version(imported)
    except InvalidVersion:
        return "failed"
    if imported_version > current_version:
        return "pending"
    if imported_version.major < current_version.major:
        return "pending"
    if imported_version.minor < current_version.minor:
        return "completed-with-warnings"
    return "completed"
