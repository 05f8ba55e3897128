"""Back up every app of every workspace into a git repository.

Deployed as `backup-nightly` (see prefect.yaml); `difyops backup run` runs the same steps
without a Prefect server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prefect import flow
from prefect.artifacts import acreate_markdown_artifact

from flows._calling import JobFailed, as_function, as_task
from flows.wording import worded_failures
from jobs import BackupSettings, Source
from reconcile.backup.layout import host_dir
from reconcile.backup.plan import BackupReport, WorkspaceResult, backup_markdown
from tasks.backup.steps import (
    BackupTarget,
    CommitResult,
    backup_workspace,
    commit_backup,
    list_backup_targets,
    prepare_repository,
)

ARTIFACT_KEY = "dify-backup"

__all__ = ["ARTIFACT_KEY", "BackupSteps", "backup_flow", "run_backup"]


@dataclass(frozen=True)
class BackupSteps:
    """The backup's steps, typed as the tasks are; `plain()` or `prefect()` runs them."""

    list_targets: Callable[[list[Source], int | None], list[BackupTarget]]
    prepare_repository: Callable[[BackupSettings, list[str]], list[str]]
    backup_workspace: Callable[
        [BackupSettings, BackupTarget, Callable[[str], None] | None], WorkspaceResult
    ]
    commit: Callable[[BackupSettings, list[WorkspaceResult]], CommitResult]

    @classmethod
    def plain(cls) -> BackupSteps:
        return cls(
            as_function(list_backup_targets),
            as_function(prepare_repository),
            as_function(backup_workspace),
            as_function(commit_backup),
        )

    @classmethod
    def prefect(cls) -> BackupSteps:
        return cls(
            as_task(list_backup_targets),
            as_task(prepare_repository),
            as_task(backup_workspace),
            as_task(commit_backup),
        )


def _run(
    steps: BackupSteps,
    settings: BackupSettings,
    sources: list[Source],
    progress: Callable[[str], None] | None = None,
) -> BackupReport:
    targets = steps.list_targets(sources, settings.rate_limit)
    hosts = sorted({host_dir(t.base_url) for t in targets})
    recovered = steps.prepare_repository(settings, hosts)
    results = [steps.backup_workspace(settings, target, progress) for target in targets]
    commit = steps.commit(settings, results)
    return BackupReport(
        results=results, commit=commit.sha, pushed=commit.pushed, recovered=recovered
    )


def run_backup(
    settings: BackupSettings,
    sources: list[Source],
    progress: Callable[[str], None] | None = None,
) -> BackupReport:
    """The backup as plain function calls (what the CLI runs)."""
    return _run(BackupSteps.plain(), settings, sources, progress)


@flow(name="backup", description="Export every Dify app into a git repository.")
async def backup_flow(
    repo: str,
    profile: str | None = None,
    server: str | None = None,
    token_block: str | None = None,
    workspaces: list[str] | None = None,
    sources: list[Source] | None = None,
    branch: str = "main",
    push: bool = False,
    full: bool = False,
    include_secret: bool = False,
    no_redact: list[str] | None = None,
    author_name: str = "difyops backup",
    author_email: str = "difyops@localhost",
    concurrency: int = 4,
    rate_limit: int | None = 50,
) -> dict[str, object]:
    """Back up apps into `repo`.

    Credentials: `token_block` (a Prefect Secret block holding the bearer token) with
    `server`, or a local `profile`, or DIFY_SERVER/DIFY_TOKEN in the worker's environment.
    `sources` backs up several hosts or profiles in one run and overrides the single-source
    parameters. The run fails (after committing what succeeded) if any app could not be
    exported, so an automation can notify someone.
    """
    with worded_failures("backup"):
        settings = BackupSettings(
            repo=repo,
            branch=branch,
            push=push,
            full=full,
            include_secret=include_secret,
            no_redact=no_redact or [],
            author_name=author_name,
            author_email=author_email,
            concurrency=concurrency,
            rate_limit=rate_limit,
        )
        chosen = sources or [
            Source(
                profile=profile, server=server, token_block=token_block, workspaces=workspaces or []
            )
        ]
        report = _run(BackupSteps.prefect(), settings, chosen)
        await acreate_markdown_artifact(
            key=ARTIFACT_KEY, markdown=backup_markdown(report), description="Dify backup run"
        )
        if not report.ok:
            failed = ", ".join(o.name for _, o in report.failed) or "workspace listing"
            raise JobFailed(
                f"backup finished with failures ({failed}); see the artifact", job="backup"
            )
        return report.summary()


if __name__ == "__main__":
    import asyncio
    import sys

    asyncio.run(backup_flow(repo=sys.argv[1] if len(sys.argv) > 1 else "dify-backup"))
