"""Reviewed plans inside Prefect: earlier plans are found in the plan artifacts of earlier runs.

A flow given `plan_checksum` compares it with the fresh plan's (`reconcile.freshness`).
When they differ, the artifacts published under the plan's key say whether the checksum
is that of an earlier plan (then the live state or the inputs moved since, and the plan
is stale) or of none (a typo, or another job's checksum: nothing moved, the checksum is
wrong). Each plan artifact shows its checksum as "checksum `sha256:…`"
(`reconcile.freshness.shows_checksum`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from reconcile.freshness import (
    EarlierPlan,
    Freshness,
    History,
    check_fresh,
    short_checksum,
    shows_checksum,
)
from reconcile.promotion.plan import PromotionPlan

PAGE_SIZE = 200

__all__ = ["artifact_history", "check_reviewed_promotion", "find_plan_artifact"]


def artifact_history(key: str) -> History:
    """Earlier plans as the artifacts published under `key`, for the `plan_checksum` parameter."""
    return History(
        find=partial(find_plan_artifact, key),
        parameter="plan_checksum",
        where=f"the latest {key} artifact",
    )


def find_plan_artifact(key: str, checksum: str) -> EarlierPlan | None:
    """The newest artifact under `key` showing `checksum`, or None when none does."""
    only_key = ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
    with get_client(sync_client=True) as client:
        offset = 0
        while True:
            page = client.read_artifacts(
                artifact_filter=only_key,
                sort=ArtifactSort.CREATED_DESC,
                limit=PAGE_SIZE,
                offset=offset,
            )
            for artifact in page:
                if isinstance(artifact.data, str) and shows_checksum(artifact.data, checksum):
                    return EarlierPlan(made=_when(artifact.created))
            if len(page) < PAGE_SIZE:
                return None
            offset += PAGE_SIZE


def check_reviewed_promotion(reviewed: str | None, plan: PromotionPlan, key: str) -> Freshness:
    """The promotion's freshness rule (as `tasks.promotion.steps` applies it), with the
    earlier plans of `key` telling a stale checksum from a wrong one."""
    if not reviewed:
        return Freshness.CURRENT
    return check_fresh(
        reviewed,
        plan.checksum,
        fresh_has_changes=plan.has_changes,
        moved="the source or target apps",
        differences=lambda: (
            f"checksum {short_checksum(reviewed)} is now {short_checksum(plan.checksum)}"
        ),
        history=artifact_history(key),
    )


def _when(created: datetime | None) -> str | None:
    if created is None:
        return None
    return created.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
