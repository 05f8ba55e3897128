"""Back up every app of every workspace into a git repository.

Deployed as `backup-nightly` (see prefect.yaml); `difyops backup run` runs the same steps
without a Prefect server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.schemas.objects import State

from flows._calling import JobFailed, as_function, as_task
from flows.wording import failed_run, worded_failures
from jobs import BackupSettings, Concurrency, RateLimit, Source, Text
from reconcile.backup.layout import host_dir
from reconcile.backup.plan import BackupReport, WorkspaceResult, backup_markdown
from tasks.backup.progress import BackupProgress, ProgressArg, as_progress
from tasks.backup.steps import (
    BackupTarget,
    BackupTargets,
    CommitResult,
    backup_workspace,
    commit_backup,
    holding_repository,
    list_backup_targets,
    prepare_repository,
)

ARTIFACT_KEY = "dify-backup"

__all__ = [
    "ARTIFACT_KEY",
    "BackupProgress",
    "BackupSteps",
    "back_up_targets",
    "backup_flow",
    "run_backup",
]


@dataclass(frozen=True)
class BackupSteps:
    """The backup's steps, typed as the tasks are; `plain()` or `prefect()` runs them."""

    list_targets: Callable[[list[Source], int | None], BackupTargets]
    prepare_repository: Callable[[BackupSettings, list[str]], list[str]]
    backup_workspace: Callable[[BackupSettings, BackupTarget, ProgressArg], WorkspaceResult]
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
    progress: ProgressArg = None,
    note: Callable[[str], None] | None = None,
    repository_note: Callable[[str], None] | None = None,
) -> BackupReport:
    """List the workspaces, then back them up holding the repository's lock from the
    first step that touches it to the commit (a second run of the same repository waits
    for this one). Nothing is created when the listing fails (a wrong token).

    `repository_note` (default: `note`) hears only about the repository itself: waiting
    for another run's lock, and what a killed run left in .git."""
    say = note or (lambda _: None)
    listing = steps.list_targets(sources, settings.rate_limit)
    targets = listing.targets
    for source in listing.unreachable:
        say(f"{source.source} ({source.host or 'no server'}) cannot be read: {source.message}")
        as_progress(progress).source_unreachable(source)
    say(f"{len(targets)} workspace(s) to back up: " + ", ".join(_names(targets)))
    with holding_repository(settings, note=repository_note or note):
        report = back_up_targets(steps, settings, targets, progress, note)
    report.unreachable = listing.unreachable
    return report


def back_up_targets(
    steps: BackupSteps,
    settings: BackupSettings,
    targets: list[BackupTarget],
    progress: ProgressArg = None,
    note: Callable[[str], None] | None = None,
) -> BackupReport:
    """The steps that write the repository, for a caller holding `holding_repository`."""
    say = note or (lambda _: None)
    hosts = sorted({host_dir(t.base_url) for t in targets})
    recovered = steps.prepare_repository(settings, hosts)
    if recovered:
        say(f"redoing {len(recovered)} file(s) an interrupted run left uncommitted")
    watcher = as_progress(progress)
    results = []
    for number, target in enumerate(targets):
        result = steps.backup_workspace(settings, target, None if progress is None else watcher)
        say(_workspace_line(result))
        results.append(result)
        watcher.workspace_finished(result)
        if result.interrupted:
            # Ctrl-C: what finished is committed (below); the rest waits for the next run.
            not_reached = [t.workspace_name for t in targets[number + 1 :]]
            say("interrupted: committing what finished")
            break
    else:
        not_reached = []
    commit = steps.commit(settings, results)
    if commit.sha:
        say(f"committed {commit.sha[:12]} to {settings.branch}" + _pushed(settings, commit))
    else:
        say("nothing changed: no commit" + _pushed(settings, commit))
    return BackupReport(
        results=results,
        commit=commit.sha,
        pushed=commit.pushed,
        recovered=recovered,
        interrupted=any(r.interrupted for r in results),
        not_reached=not_reached,
    )


def _names(targets: list[BackupTarget]) -> list[str]:
    return [t.workspace_name for t in targets]


def _workspace_line(result: WorkspaceResult) -> str:
    counts: dict[str, int] = {}
    for outcome in result.outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    changed = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    line = f"{result.workspace_name}: {result.listed} app(s), {result.exports} exported"
    line += f" ({changed})" if changed else ""
    return line + (f"; {result.error}" if result.error else "")


def _pushed(settings: BackupSettings, commit: CommitResult) -> str:
    if commit.pushed:
        return ", pushed"
    return ", not pushed (push is off)" if not settings.push else ", not pushed"


def run_backup(
    settings: BackupSettings,
    sources: list[Source],
    progress: ProgressArg = None,
    repository_note: Callable[[str], None] | None = None,
) -> BackupReport:
    """The backup as plain function calls (what the CLI runs). `repository_note` hears
    that the run waits for another one writing the repository, and what it recovered."""
    return _run(BackupSteps.plain(), settings, sources, progress, repository_note=repository_note)


def settings_from_parameters(
    *,
    repo: str,
    profile: str | None,
    server: str | None,
    token_block: str | None,
    workspaces: list[str] | None,
    sources: list[Source] | None,
    branch: str,
    push: bool,
    full: bool,
    include_secret: bool,
    no_redact: list[str] | None,
    author_name: str,
    author_email: str,
    concurrency: int,
    rate_limit: int | None,
) -> tuple[BackupSettings, list[Source]]:
    """A backup flow's parameters as settings and sources, checked as the schema does (for
    callers that skip it) and refusing a relative `repo`, which a worker would resolve in
    its own working directory."""
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
    if not settings.remote and not Path(repo).expanduser().is_absolute():
        raise JobFailed(
            f"repo: {repo!r} is a relative path; give an absolute path or a URL\n"
            "A flow runs in the worker's working directory, which is not where the "
            "backup belongs.",
            job="backup",
        )
    chosen = sources or [
        Source(profile=profile, server=server, token_block=token_block, workspaces=workspaces or [])
    ]
    return settings, chosen


@flow(name="backup", description="Export every Dify app into a git repository.")
async def backup_flow(
    repo: Text,
    profile: Text | None = None,
    server: Text | None = None,
    token_block: Text | None = None,
    workspaces: list[Text] | None = None,
    sources: list[Source] | None = None,
    branch: Text = "main",
    push: bool = False,
    full: bool = False,
    include_secret: bool = False,
    no_redact: list[Text] | None = None,
    author_name: Text = "difyops backup",
    author_email: Text = "difyops@localhost",
    concurrency: Concurrency = 4,
    rate_limit: RateLimit | None = 50,
) -> dict[str, object] | State[Any]:
    """Back up apps into `repo` (an absolute path on the worker, or a git URL).

    Credentials: `token_block` (a Prefect Secret block holding the bearer token) with
    `server`, or a local `profile`, or DIFY_SERVER/DIFY_TOKEN in the worker's environment.
    `sources` backs up several hosts or profiles in one run and overrides the single-source
    parameters. The run fails (after committing what succeeded) if any app could not be
    exported, or one of several sources could not be read (the others are backed up), so
    an automation can notify someone. A run of a repository another run is
    writing waits for it.
    """
    logger = get_run_logger()
    published = False
    try:
        with worded_failures("backup"):
            settings, chosen = settings_from_parameters(
                repo=repo,
                profile=profile,
                server=server,
                token_block=token_block,
                workspaces=workspaces,
                sources=sources,
                branch=branch,
                push=push,
                full=full,
                include_secret=include_secret,
                no_redact=no_redact,
                author_name=author_name,
                author_email=author_email,
                concurrency=concurrency,
                rate_limit=rate_limit,
            )
            report = _run(BackupSteps.prefect(), settings, chosen, note=logger.info)
            await acreate_markdown_artifact(
                key=ARTIFACT_KEY, markdown=backup_markdown(report), description="Dify backup run"
            )
            published = True
            if not report.ok:
                raise JobFailed(
                    f"backup finished with failures: {report.failure_line()}; see the artifact",
                    job="backup",
                )
            return report.summary()
    except JobFailed as exc:
        return await failed_run(
            exc, artifact_key=None if published else ARTIFACT_KEY, title="Dify backup"
        )


if __name__ == "__main__":
    import asyncio
    import sys

    # Run by hand, a relative path means here: made absolute, as the flow asks.
    where = Path(sys.argv[1] if len(sys.argv) > 1 else "dify-backup").resolve()
    asyncio.run(backup_flow(repo=str(where)))
