"""Backup tasks: list what to back up, export one workspace into the repository, commit.

One task per workspace (not per app): exports fan out over a small thread pool inside the
task, sharing one client whose rate limiter keeps the whole job under the server's limit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from prefect import task
from pydantic import BaseModel, ConfigDict, Field

from dify_client import DifyClient, DifyConnectionError, DifyError, RateLimitError, ServerError
from dsl import DslError, canonical_text, diff_documents, find_secrets, load_text, redact
from gitstore import Author, GitStore
from reconcile.backup_layout import (
    INDEX_FILE,
    AppListing,
    IndexEntry,
    WorkspaceIndex,
    assign_paths,
    dump_index,
    host_dir,
    parse_index,
    workspace_dir,
)
from reconcile.backup_plan import (
    AppOutcome,
    ExportDecision,
    WorkspaceResult,
    commit_message,
    decide_exports,
)
from tasks.sources import Source, open_client

LAST_RUN_FILE = "difyops-last-backup.json"  # kept inside .git: status, never committed


class BackupSettings(BaseModel):
    """Everything a backup run needs except credentials (see `Source`)."""

    model_config = ConfigDict(extra="forbid")

    repo: str = Field(description="Path of the backup repository (created if absent).")
    branch: str = "main"
    push: bool = False
    full: bool = False
    include_secret: bool = False
    # App ids or names whose credential-looking values the user chose to commit as they are.
    no_redact: list[str] = Field(default_factory=list)
    author_name: str = "difyops backup"
    author_email: str = "difyops@localhost"
    concurrency: int = Field(default=4, ge=1, le=32)
    # Requests per minute per token; Dify's own limit is 60.
    rate_limit: int | None = Field(default=50, ge=1)


class BackupTarget(BaseModel):
    source: Source
    base_url: str
    workspace_id: str
    workspace_name: str


class CommitResult(BaseModel):
    sha: str | None
    message: str
    pushed: bool = False


def _transient(task: object, task_run: object, state: object) -> bool:
    """Retry a task only for errors another attempt can fix."""
    try:
        state.result()  # type: ignore[attr-defined]
    except (DifyConnectionError, ServerError, RateLimitError):
        return True
    except Exception:  # noqa: BLE001 — anything else is final
        return False
    return False


@task(
    name="list-backup-targets",
    retries=2,
    retry_delay_seconds=[5, 30],
    retry_condition_fn=_transient,
)
def list_backup_targets(sources: list[Source], rate_limit: int | None = None) -> list[BackupTarget]:
    """The workspaces to back up: every one each source can see, or the chosen ones."""
    targets: list[BackupTarget] = []
    for source in sources:
        with open_client(source, rate_limit=rate_limit) as client:
            workspaces = client.workspaces.list()
        chosen = workspaces
        if source.workspaces:
            wanted = set(source.workspaces)
            chosen = [w for w in workspaces if w.id in wanted or w.name in wanted]
            missing = wanted - {w.id for w in chosen} - {w.name for w in chosen}
            if missing:
                names = ", ".join(sorted(repr(m) for m in missing))
                raise DifyError(
                    f"{source.describe()}: no workspace {names} among "
                    f"{', '.join(repr(w.name) for w in workspaces)}"
                )
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
    retries=2,
    retry_delay_seconds=[10, 60],
    retry_condition_fn=_transient,
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
    with GitStore.open(Path(settings.repo), branch=settings.branch) as store:
        store.lock()
        directory = workspace_dir(
            host, target.workspace_id, target.workspace_name, _known_workspace_dirs(store, host)
        )
        result.directory = directory
        index = _load_index(store, directory) or WorkspaceIndex(
            host=host, workspace_id=target.workspace_id, workspace_name=target.workspace_name
        )
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
            exported = _export_all(client, decisions, settings, progress)
            result.exports = len(decisions)
        outcomes = [
            _store_export(store, index, decision, exported[decision.app.id], settings)
            for decision in decisions
        ]
        outcomes += _remove_missing(store, index, {a.id for a in listings})
        listed_ids = {d.app.id for d in decisions}
        outcomes += [
            AppOutcome(app_id=a.id, name=a.name, mode=a.mode, status="unchanged", path=paths[a.id])
            for a in listings
            if a.id not in listed_ids
        ]
        index = index.model_copy(update={"workspace_name": target.workspace_name})
        # The index is written last: a run killed before this point leaves files whose
        # hash the index does not know, and the next run simply exports them again.
        store.write_text(f"{directory}/{INDEX_FILE}", dump_index(index))
    result.outcomes = sorted(outcomes, key=lambda o: (o.path, o.app_id))
    return result


@task(name="commit-backup")
def commit_backup(settings: BackupSettings, results: list[WorkspaceResult]) -> CommitResult:
    """One commit for the whole run, only if something changed; optional push."""
    message = commit_message(results)
    author = Author(settings.author_name, settings.author_email)
    with GitStore.open(Path(settings.repo), branch=settings.branch) as store:
        store.lock()
        # Only the hosts this run backed up: other files in the repository are the
        # user's and are never committed by a backup.
        scopes = sorted({r.host for r in results})
        sha = store.commit_all(message, author=author, paths=scopes) if scopes else None
        pushed = False
        if settings.push and store.has_remote():
            store.push()
            pushed = True
        elif settings.push:
            store.push()  # raises with a hint: there is no origin
        _record_last_run(store, results, sha)
    return CommitResult(sha=sha, message=message, pushed=pushed)


# -- helpers -------------------------------------------------------------------------------


def _export_all(
    client: DifyClient,
    decisions: list[ExportDecision],
    settings: BackupSettings,
    progress: Callable[[str], None] | None,
) -> dict[str, str | DifyError]:
    def export(decision: ExportDecision) -> tuple[str, str | DifyError]:
        try:
            text = client.dsl.export(decision.app.id, include_secret=settings.include_secret)
        except DifyError as exc:
            outcome: str | DifyError = exc
        else:
            outcome = text
        if progress is not None:
            progress(decision.app.name)
        return decision.app.id, outcome

    with ThreadPoolExecutor(max_workers=settings.concurrency) as pool:
        return dict(pool.map(export, decisions))


def _store_export(
    store: GitStore,
    index: WorkspaceIndex,
    decision: ExportDecision,
    exported: str | DifyError,
    settings: BackupSettings,
) -> AppOutcome:
    app, path = decision.app, decision.path
    entry = index.apps.get(app.id)
    base = {"app_id": app.id, "name": app.name, "mode": app.mode, "path": path}
    if isinstance(exported, DifyError):
        kept = entry.path if entry else path
        return AppOutcome(**{**base, "path": kept}, status="failed", error=str(exported))
    try:
        document = load_text(exported, source=f"export of {app.name}")
    except DslError as exc:
        kept = entry.path if entry else path
        return AppOutcome(**{**base, "path": kept}, status="failed", error=str(exc))
    findings = find_secrets(document)
    redacting = bool(findings) and not ({app.id, app.name} & set(settings.no_redact))
    data = redact(document, findings) if redacting else document.data
    # The export is canonical already (Dify writes PyYAML's dump); canonicalising keeps
    # what is stored byte-identical to what a restore would import.
    text = canonical_text(data)
    old_text = store.read_text(entry.path) if entry else None
    if entry and entry.path != path:
        store.remove(entry.path)
    store.write_text(path, text)
    index.apps[app.id] = IndexEntry(
        name=app.name,
        mode=app.mode,
        path=path,
        updated_at=app.updated_at,
        dsl_version=str(data.get("version", "")) or None,
        content_hash=_hash(text),
        redacted=redacting,
    )
    outcome = AppOutcome(
        **base,
        status=_status(entry, path, old_text, text),
        old_path=entry.path if entry and entry.path != path else None,
        old_name=entry.name if entry else None,
        redacted=[str(f) for f in findings] if redacting else [],
    )
    if old_text is not None and old_text != text:
        outcome.summary = _summary(old_text, text)
        outcome.changed_without_timestamp = bool(
            settings.full and entry and entry.updated_at == app.updated_at
        )
    return outcome


def _status(entry: IndexEntry | None, path: str, old_text: str | None, text: str) -> str:
    if entry is None or (old_text is None and entry.path == path):
        return "added" if entry is None else "changed"
    if entry.path != path:
        return "renamed"
    return "changed" if old_text != text else "unchanged"


def _summary(old_text: str, new_text: str) -> str:
    try:
        return diff_documents(load_text(old_text), load_text(new_text)).summary()
    except DslError:
        return "changed (the previous file could not be read as a DSL)"


def _remove_missing(store: GitStore, index: WorkspaceIndex, listed: set[str]) -> list[AppOutcome]:
    removed = []
    for app_id, entry in list(index.apps.items()):
        if app_id in listed:
            continue
        store.remove(entry.path)
        del index.apps[app_id]
        removed.append(
            AppOutcome(
                app_id=app_id, name=entry.name, mode=entry.mode, status="removed", path=entry.path
            )
        )
    return removed


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_hash(store: GitStore, path: str) -> str | None:
    text = store.read_text(path)
    return _hash(text) if text is not None else None


def _known_workspace_dirs(store: GitStore, host: str) -> dict[str, str]:
    """workspace id → directory, from the indexes already in the repository."""
    known = {}
    for path in store.files(host):
        if path.endswith(f"/{INDEX_FILE}"):
            index = parse_index(store.read_text(path))
            if index is not None:
                known[index.workspace_id] = path.rsplit("/", 1)[0]
    return known


def _load_index(store: GitStore, directory: str) -> WorkspaceIndex | None:
    return parse_index(store.read_text(f"{directory}/{INDEX_FILE}"))


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
    with GitStore.open(Path(settings.repo), branch=settings.branch) as store:
        store.lock()
        if settings.push and store.has_remote():
            store.pull()
        return store.discard_changes(hosts)
