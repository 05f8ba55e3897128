"""What callers pass to the flows, importable without loading Prefect.

The CLI builds and validates these at once and imports the flow modules (and Prefect,
about a second) only when it actually runs a job.
"""

from reconcile.members import PlanOverrides
from reconcile.promotion import Selection
from reconcile.promotion_plan import PromotionOptions
from tasks.params import BackupSettings, MembersSyncSettings, PromotionRequest
from tasks.promote_sides import GitSide, WorkspaceSide
from tasks.sources import Source

__all__ = [
    "BackupSettings",
    "GitSide",
    "MembersSyncSettings",
    "PlanOverrides",
    "PromotionOptions",
    "PromotionRequest",
    "Selection",
    "Source",
    "WorkspaceSide",
]
