"""The jobs the CLI runs, imported on first use.

The flow modules load Prefect (about a second); commands that only read (list, diff,
status…) should not pay for it, so each job is reached through a function here that
imports its flow module when it is called.
"""

# ruff: noqa: PLC0415 — deferred imports are this module's purpose

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.backup import BackupStatus, HistoryEntry, IndexedApp
    from jobs import BackupSettings, PromotionRequest, Source
    from reconcile.backup.plan import BackupReport
    from reconcile.promotion.plan import PromotionPlan
    from reconcile.promotion.result import PromotionResult


def run_backup(
    settings: BackupSettings, sources: list[Source], progress: Callable[[str], None] | None
) -> BackupReport:
    from flows.backup import run_backup as run

    return run(settings, sources, progress)


def backup_status(repo: str) -> BackupStatus:
    from flows.backup import backup_status as status

    return status(repo)


def backup_log(
    repo: str, app: str, *, workspace: str | None, max_count: int
) -> tuple[IndexedApp, list[HistoryEntry]]:
    from flows.backup import backup_log as log

    return log(repo, app, workspace=workspace, max_count=max_count)


def promotion_plan(request: PromotionRequest) -> PromotionPlan:
    from flows.promote import run_plan

    return run_plan(request)


def promotion_apply(
    request: PromotionRequest, expected_checksum: str | None = None
) -> tuple[PromotionPlan, PromotionResult]:
    from flows.promote import run_apply

    return run_apply(request, expected_checksum)
