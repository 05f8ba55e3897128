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
    from flows.sync_members import BeforeApply, MembersSync
    from jobs import (
        BackupSettings,
        MembersSyncSettings,
        Source,
    )
    from reconcile.backup.plan import BackupReport
    from reconcile.members.run import MembersPlanSet


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


def members_plan(settings: MembersSyncSettings, source: Source) -> MembersPlanSet:
    from flows.sync_members import run_members_plan

    return run_members_plan(settings, source)


def members_apply(
    settings: MembersSyncSettings,
    source: Source,
    *,
    reviewed: MembersPlanSet | None,
    before_apply: BeforeApply | None = None,
    invite_urls_file: str | None = None,
) -> MembersSync:
    from flows.sync_members import run_members_apply

    return run_members_apply(
        settings,
        source,
        reviewed=reviewed,
        before_apply=before_apply,
        invite_urls_file=invite_urls_file,
    )


def members_export(source: Source, workspace_id: str) -> str:
    from flows.sync_members import export_members_manifest

    return export_members_manifest(source, workspace_id)
