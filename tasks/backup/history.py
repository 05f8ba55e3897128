"""Reading a backup repository back: the last run, and one app's history with summaries."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from dify_client.models.lookup import loose_name, near_name
from dsl import DslError, diff_documents, load_text
from gitstore import GitStore, GitStoreError
from reconcile.backup.layout import INDEX_FILE, parse_index
from tasks.backup.last_run import read_last_run


class IndexedApp(BaseModel):
    app_id: str
    name: str
    mode: str
    path: str
    workspace_name: str
    updated_at: str | None = None
    redacted: bool = False


class BackupStatus(BaseModel):
    repo: str
    head: str | None
    last_commit_subject: str | None
    last_commit_date: str | None
    last_run: dict[str, object] | None
    workspaces: list[dict[str, object]]


class HistoryEntry(BaseModel):
    sha: str
    date: str
    subject: str
    path: str
    summary: str


def indexed_apps(store: GitStore) -> list[IndexedApp]:
    found: list[IndexedApp] = []
    for path in store.files():
        if not path.endswith(f"/{INDEX_FILE}"):
            continue
        index = parse_index(store.read_text(path))
        if index is None:
            continue
        found += [
            IndexedApp(
                app_id=app_id,
                name=entry.name,
                mode=entry.mode,
                path=entry.path,
                workspace_name=index.workspace_name,
                updated_at=entry.updated_at,
                redacted=entry.redacted,
            )
            for app_id, entry in index.apps.items()
        ]
    return found


def backup_status(repo: str) -> BackupStatus:
    with GitStore.open(Path(repo), create=False) as store:
        log = store.log(max_count=1)
        last_run = read_last_run(store)
        apps = indexed_apps(store)
        head = store.head_sha()
    workspaces: dict[str, dict[str, object]] = {}
    for app in apps:
        entry = workspaces.setdefault(app.workspace_name, {"workspace": app.workspace_name})
        entry["apps"] = int(entry.get("apps", 0)) + 1  # type: ignore[call-overload]
        if app.redacted:
            entry["redacted"] = int(entry.get("redacted", 0)) + 1  # type: ignore[call-overload]
    return BackupStatus(
        repo=repo,
        head=head,
        last_commit_subject=log[0].subject if log else None,
        last_commit_date=log[0].date if log else None,
        last_run=last_run,
        workspaces=list(workspaces.values()),
    )


class AppLookupError(GitStoreError):
    """No app of the backup, or several, answer to the reference given."""


class AmbiguousAppError(AppLookupError):
    """More than one app of the backup answers to a name; `matches` lists them."""

    def __init__(self, message: str, *, hint: str, matches: list[IndexedApp]) -> None:
        super().__init__(message, hint=hint)
        self.matches = matches


def find_app(store: GitStore, ref: str, *, workspace: str | None = None) -> IndexedApp:
    """An app of the backup by id, exact name, or path (optionally in one workspace)."""
    apps = [a for a in indexed_apps(store) if workspace in (None, a.workspace_name)]
    matches = [a for a in apps if ref in (a.app_id, a.path)] or [a for a in apps if a.name == ref]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        loose = loose_name([a.name for a in apps], ref)
        matches = [a for a in apps if loose is not None and a.name == loose]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        near = near_name([a.name for a in apps], ref)
        raise AppLookupError(
            f"no app {ref!r} in the backup",
            hint=(f"Did you mean {near!r}? " if near else "")
            + "Give an app id, its exact name, or its path in the repository.",
        )
    where = ", ".join(f"{a.path} ({a.app_id})" for a in matches)
    raise AmbiguousAppError(
        f"{len(matches)} apps match {ref!r}: {where}",
        hint="Give the app id, or name its workspace.",
        matches=matches,
    )


class BackupWorkspace(BaseModel):
    """One workspace directory of the backup at a ref, as its index describes it."""

    directory: str
    workspace_id: str | None
    workspace_name: str | None
    app_names: list[str]


def workspaces_at(repo: str, ref: str) -> list[BackupWorkspace]:
    """The workspace directories of the backup at `ref`, with what each index says."""
    with GitStore.open(Path(repo), create=False) as store:
        commit = store.resolve(ref)
        found: list[BackupWorkspace] = []
        for path in sorted(store.files_at(commit)):
            if not path.endswith(f"/{INDEX_FILE}"):
                continue
            index = parse_index(store.read_at(commit, path))
            if index is None:
                continue
            found.append(
                BackupWorkspace(
                    directory=path.rsplit("/", 1)[0],
                    workspace_id=index.workspace_id,
                    workspace_name=index.workspace_name,
                    app_names=[entry.name for entry in index.apps.values()],
                )
            )
    return found


def app_history(
    repo: str, ref: str, *, workspace: str | None = None, max_count: int = 50
) -> tuple[IndexedApp, list[HistoryEntry]]:
    """Commits that touched an app's file (renames followed), newest first, each with the
    semantic summary of what that commit changed in the app."""
    with GitStore.open(Path(repo), create=False) as store:
        app = find_app(store, ref, workspace=workspace)
        commits = store.log(app.path, max_count=max_count)
        entries: list[HistoryEntry] = []
        path = app.path
        for commit in commits:
            renames = store.renames_in(commit.sha)
            old_path = next((old for old, new in renames.items() if new == path), path)
            after = store.read_at(commit.sha, path)
            parent = store.parent(commit.sha)
            before = store.read_at(parent, old_path) if parent else None
            entries.append(
                HistoryEntry(
                    sha=commit.sha,
                    date=commit.date,
                    subject=commit.subject,
                    path=path,
                    summary=_summary(before, after, renamed=old_path != path),
                )
            )
            path = old_path
    return app, entries


def _summary(before: str | None, after: str | None, *, renamed: bool) -> str:
    if before is None and after is not None:
        return "added"
    if after is None:
        return "removed"
    if before is None:
        return "unknown"
    try:
        summary = diff_documents(load_text(before), load_text(after)).summary()
    except DslError:
        return "changed (not readable as a DSL)"
    return f"renamed; {summary}" if renamed else summary
