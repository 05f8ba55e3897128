"""What each job takes: its parameters as plain pydantic models.

The CLI builds and validates these before it loads Prefect (about a second), flows take
them as parameters, and tasks run with them. Nothing here imports Prefect, opens a
connection or reads a token: a `Source` names where credentials are, never holds them.
"""

from jobs.params import (
    BackupSettings,
    Concurrency,
    DriftRequest,
    GitSide,
    MembersSyncSettings,
    PromotionRequest,
    RateLimit,
    Side,
    SmokeRequest,
    WorkspaceSide,
)
from jobs.sources import Source, Text

__all__ = [
    "BackupSettings",
    "Concurrency",
    "DriftRequest",
    "GitSide",
    "MembersSyncSettings",
    "PromotionRequest",
    "RateLimit",
    "Side",
    "SmokeRequest",
    "Source",
    "Text",
    "WorkspaceSide",
]
