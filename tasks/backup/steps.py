"""Backup tasks: list what to back up, export one workspace into the repository, commit.

One task per workspace (not per app): exports fan out over a small thread pool inside the
task, sharing one client whose rate limiter keeps the whole job under the server's limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from prefect import task
from pydantic import BaseModel

from dify_client import DifyError, WorkspaceLookupError, find_workspaces
from gitstore import Author, GitStore
from jobs import BackupSettings, Source
from reconcile.backup.layout import (
    INDEX_FILE,
    AppListing,
    WorkspaceIndex,
    assign_paths,
    dump_index,
    host_dir,
    parse_index,
    workspace_dir,
)
from reconcile.backup.plan import (
    AppOutcome,
    WorkspaceResult,
    commit_message,
    decide_exports,
)
from tasks.backup.export import (
    export_all,
    forget_missing,
    hold_failed_files,
    store_export,
    text_hash,
    vacate_paths,
)
from tasks.sources import open_client

LAST_RUN_FILE = "difyops-last-backup.json"  # kept inside .git: status, never committed


class BackupTarget(BaseModel):
    source: Source
    base_url: str
    workspace_id: str
    workspace_name: str


class CommitResult(BaseModel):
    sha: str | None
    message: str
    pushed: bool = False


@task(name="list-backup-targets")
def list_backup_targets(sources: list[Source], rate_limit: int | None = None) -> list[BackupTarget]:
    """The workspaces to back up: every one each source can see, or the chosen ones."""
    targets: list[BackupTarget] = []
    for source in sources:
        with open_client(source, rate_limit=rate_limit) as client:
            workspaces = client.workspaces.list()
        chosen = workspaces
        if source.workspaces:
            try:
                chosen = find_workspaces(workspaces, source.workspaces)
            except WorkspaceLookupError as exc:
                near = f"Did you mean {exc.suggestion!r}?" if exc.suggestion else None
                raise DifyError(
                    f"{source.describe()}: {exc.message} among {exc.visible}", hint=near
                ) from None
        targets += [
            BackupTarget(
                source=source, base_url=client.base_url, workspace_id=w.id, workspace_name=w.name
            )
            for w in chosen
            if w.status == "normal"
        ]
    return targets


@task(
    name="backup-workspace",
    task_run_name="backup-{target.workspace_name}",
)
def backup_workspace(
    settings: BackupSettings,
    target: BackupTarget,
    progress: Callable[[str], None] | None = None,
) -> WorkspaceResult:
    """Export a workspace's apps into the repository (files and index; no commit)."""
    host = host_dir(target.base_url)
    result = WorkspaceResult(
        host=host,
        base_url=target.base_url,
        workspace_id=target.workspace_id,
        workspace_name=target.workspace_name,
        directory="",
    )
    with GitStore.open(settings.work_tree(), branch=settings.branch) as store:
        store.lock()
        indexes = _indexes_by_directory(store, host)
        directory = workspace_dir(
            host,
            target.workspace_id,
            target.workspace_name,
            {i.workspace_id: d for d, i in indexes.items()},
        )
        result.directory = directory
        known = indexes.get(directory)
        index = (
            known
            or WorkspaceIndex(
                host=host, workspace_id=target.workspace_id, workspace_name=target.workspace_name
            )
        ).model_copy(deep=True)
        with open_client(target.source, rate_limit=settings.rate_limit) as client:
            try:
                page = client.apps.list(target.workspace_id, limit=200)
                listings = [
                    AppListing(id=a.id, name=a.name, mode=a.mode, updated_at=a.updated_at)
                    for a in page
                ]
            except DifyError as exc:
                # Never remove anything on a partial view of the workspace.
                result.error = f"listing apps failed: {exc}"
                return result
            result.listed, result.reported_total = len(listings), page.total
            paths = assign_paths(directory, listings, index)
            decisions, _ = decide_exports(
                listings, paths, index, lambda p: _file_hash(store, p), full=settings.full
            )
            exported = export_all(
                client,
                decisions,
                concurrency=settings.concurrency,
                include_secret=settings.include_secret,
                no_redact=set(settings.no_redact),
                progress=progress,
            )
            result.exports = len(decisions)
            decisions, paths = hold_failed_files(directory, listings, index, decisions, exported)
        listed = {a.id for a in listings}
        # Read what is about to change before any file moves, then vacate, then write.
        old_texts = {
            d.app.id: store.read_text(index.apps[d.app.id].path)
            for d in decisions
            if d.app.id in index.apps
        }
        vacate_paths(store, index, decisions, exported, listed)
        outcomes = [
            store_export(
                store,
                index,
                d,
                exported[d.app.id],
                old_text=old_texts.get(d.app.id),
                full=settings.full,
            )
            for d in decisions
        ]
        outcomes += forget_missing(index, listed)
        exported_ids = {d.app.id for d in decisions}
        outcomes += [
            AppOutcome(app_id=a.id, name=a.name, mode=a.mode, status="unchanged", path=paths[a.id])
            for a in listings
            if a.id not in exported_ids
        ]
        index.workspace_name = target.workspace_name
        # The index is written last: a run killed before this point leaves files whose
        # hash the index does not know, and the next run simply exports them again.
        if index != known:
            store.write_text(f"{directory}/{INDEX_FILE}", dump_index(index))
            result.wrote = True
        result.wrote = result.wrote or any(o.status != "unchanged" for o in outcomes)
    result.outcomes = sorted(outcomes, key=lambda o: (o.path, o.app_id))
    return result


@task(name="commit-backup")
def commit_backup(settings: BackupSettings, results: list[WorkspaceResult]) -> CommitResult:
    """One commit for the whole run, only if something changed; optional push."""
    message = commit_message(results)
    author = Author(settings.author_name, settings.author_email)
    with GitStore.open(settings.work_tree(), branch=settings.branch) as store:
        store.lock()
        # Only the hosts this run backed up: other files in the repository are the
        # user's and are never committed by a backup.
        scopes = sorted({r.host for r in results})
        touched = any(r.wrote for r in results)
        sha = store.commit_all(message, author=author, paths=scopes) if touched else None
        pushed = False
        if settings.push and store.has_remote():
            store.push()
            pushed = True
        elif settings.push:
            store.push()  # raises with a hint: there is no origin
        _record_last_run(store, results, sha)
    return CommitResult(sha=sha, message=message, pushed=pushed)


# -- helpers -------------------------------------------------------------------------------


def _file_hash(store: GitStore, path: str) -> str | None:
    text = store.read_text(path)
    return text_hash(text) if text is not None else None


def _indexes_by_directory(store: GitStore, host: str) -> dict[str, WorkspaceIndex]:
    """workspace directory → its index, for every index already under `host`."""
    found = {}
    for path in store.glob(host, f"*/{INDEX_FILE}"):
        index = parse_index(store.read_text(path))
        if index is not None:
            found[path.rsplit("/", 1)[0]] = index
    return found


def _record_last_run(store: GitStore, results: list[WorkspaceResult], sha: str | None) -> None:
    summary = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": sha,
        "workspaces": [r.model_dump(mode="json") for r in results],
    }
    (store.git_dir / LAST_RUN_FILE).write_text(json.dumps(summary, indent=2), encoding="utf-8")


@task(name="prepare-backup-repository")
def prepare_repository(settings: BackupSettings, hosts: list[str]) -> list[str]:
    """Open (or create) the repository, catch up with origin, and drop half-done work.

    Returns the paths a killed earlier run had left uncommitted; they are redone by this run.
    """
    if settings.remote and not (settings.work_tree() / ".git").exists():
        GitStore.clone(settings.repo, settings.work_tree(), branch=settings.branch).close()
    with GitStore.open(settings.work_tree(), branch=settings.branch) as store:
        store.lock()
        # First drop what a killed run left: git refuses to rebase a dirty work tree.
        recovered = store.discard_changes(hosts)
        if (settings.push or settings.remote) and store.has_remote():
            store.pull()
        return recovered
