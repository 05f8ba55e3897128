"""What one workspace's backup run does to the repository's files, in order. Pure.

From what the repository records (the workspace index and the files it names), the
listing, what the run decided to export and what each export gave, `plan_files` returns
the file operations to apply, the index after the run and an outcome per app. The order of
the operations is what keeps every file safe:

- an app whose export failed is pinned to its last good file: that file is kept, and no
  other app may take its path (one that wanted it gets a suffixed path instead);
- every removal comes before every write, so a path handed from one app to another in the
  same run (a rename into a freed name, two apps swapping names, a deleted app re-created
  under its name) ends up holding the new content instead of being deleted after it was
  written;
- the index comes last: a run killed before it leaves files whose hash the index does not
  know, and the next run simply exports them again.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from dsl import DslError, diff_documents, load_text
from reconcile.backup.layout import (
    INDEX_FILE,
    AppListing,
    IndexEntry,
    LiveEntry,
    WorkspaceIndex,
    assign_paths,
    dump_index,
    published_path,
)
from reconcile.backup.plan import AppOutcome, ExportDecision, OutcomeStatus
from reconcile.backup.secret_mode import keeps_stored_file


@dataclass(frozen=True)
class LiveExport:
    """What an app runs: its live version, exported unless the stored file may be kept.

    `version_id` None: never published. `export` None with a version: the recorded
    `.published.yml` of that version is intact and stays.
    """

    version_id: str | None
    export: PreparedExport | None = None


@dataclass(frozen=True)
class PreparedExport:
    """An app's DSL as it will be stored, and what was found in it (never the values)."""

    text: str
    dsl_version: str | None
    findings: list[str] = field(default_factory=list)
    redacted: bool = False
    # Set for apps whose live version is kept too (S3 servers, workflow modes).
    live: LiveExport | None = None


@dataclass(frozen=True)
class ExportFailed:
    """An export that did not arrive, or could not be read: why, in one line."""

    error: str


Export = PreparedExport | ExportFailed


@dataclass(frozen=True)
class KeepFile:
    """The last good file of an app whose export failed: left as it is."""

    path: str
    app_id: str


@dataclass(frozen=True)
class RemoveFile:
    """A file this run leaves: its app moved to another path, or is gone from the server."""

    path: str
    app_id: str
    # "live-equal": a `.published.yml` whose live version equals the draft again.
    reason: Literal["moved", "gone", "live-equal"]


@dataclass(frozen=True)
class WriteFile:
    """A file's new content; `app_id` is None for the workspace index."""

    path: str
    text: str
    app_id: str | None = None


FileOperation = KeepFile | RemoveFile | WriteFile


@dataclass(frozen=True)
class FilePlan:
    operations: list[FileOperation]
    index: WorkspaceIndex
    # One per listed app and per app that is gone, ordered by path.
    outcomes: list[AppOutcome]

    @property
    def writes_index(self) -> bool:
        return any(isinstance(op, WriteFile) and op.app_id is None for op in self.operations)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan_files(
    directory: str,
    listings: Sequence[AppListing],
    index: WorkspaceIndex,
    decisions: Sequence[ExportDecision],
    exports: Mapping[str, Export],
    *,
    stored_text: Callable[[str], str | None],
    full: bool,
    workspace_name: str | None = None,
    index_recorded: bool = True,
    with_secrets: bool = False,
) -> FilePlan:
    """The operations that store `exports` (one per decision) under `directory`.

    `index` is the workspace's index as the repository records it (an empty one when it
    has none: then `index_recorded` is False and the index is written even if empty);
    `stored_text` reads a file as it is before the run; `workspace_name` is the name the
    index records from now on; `with_secrets`: the exports were made with secrets (how
    files stay stable across runs with and without them: `secret_mode`).
    """
    decisions, paths = _hold_failed_files(directory, listings, index, decisions, exports)
    listed = {a.id for a in listings}
    keeps, removals = _vacate(index, decisions, exports, listed)
    new_index = index.model_copy(deep=True)
    if workspace_name is not None:
        new_index.workspace_name = workspace_name
    writes, live_removals, outcomes = _store(
        new_index, decisions, exports, stored_text, full=full, with_secrets=with_secrets
    )
    written = {w.path for w in writes}
    removals += [r for r in live_removals if r.path not in written]
    removals += [
        RemoveFile(published_path(e.path), app_id, "gone")
        for app_id, e in index.apps.items()
        if app_id not in listed and e.live and e.live.published_hash
        if published_path(e.path) not in written
    ]
    removals.sort(key=_path)
    outcomes += _forget_missing(new_index, listed)
    exported = {d.app.id for d in decisions}
    outcomes += [
        AppOutcome(app_id=a.id, name=a.name, mode=a.mode, status="unchanged", path=paths[a.id])
        for a in listings
        if a.id not in exported
    ]
    operations: list[FileOperation] = [*keeps, *removals, *writes]
    if new_index != index or not index_recorded:
        operations.append(WriteFile(f"{directory}/{INDEX_FILE}", dump_index(new_index)))
    return FilePlan(operations, new_index, sorted(outcomes, key=lambda o: (o.path, o.app_id)))


def _hold_failed_files(
    directory: str,
    listings: Sequence[AppListing],
    index: WorkspaceIndex,
    decisions: Sequence[ExportDecision],
    exports: Mapping[str, Export],
) -> tuple[list[ExportDecision], dict[str, str]]:
    """The decisions again, with apps whose export failed pinned to their last good file:
    when another app was to take that file (two apps swapping names), it gets another path
    instead of overwriting the only copy of the failed app's backup."""
    held = {
        d.app.id: index.apps[d.app.id].path
        for d in decisions
        if d.app.id in index.apps and isinstance(exports[d.app.id], ExportFailed)
    }
    paths = assign_paths(directory, listings, index, held=held)
    return [d.model_copy(update={"path": paths[d.app.id]}) for d in decisions], paths


def _vacate(
    index: WorkspaceIndex,
    decisions: Sequence[ExportDecision],
    exports: Mapping[str, Export],
    listed: set[str],
) -> tuple[list[KeepFile], list[RemoveFile]]:
    """The files of failed exports to keep, and the files this run leaves: old paths of
    apps that moved and files of apps that are gone, but never a path this run writes nor
    a file of a listed app that is not stored again (skipped, or failed)."""
    stored = {d.app.id for d in decisions if isinstance(exports[d.app.id], PreparedExport)}
    written = {d.path for d in decisions if d.app.id in stored}
    failed = {d.app.id for d in decisions if d.app.id not in stored}
    keep = {e.path for app_id, e in index.apps.items() if app_id in listed - stored}
    keeps = [KeepFile(index.apps[i].path, i) for i in sorted(failed) if i in index.apps]
    removals = [
        RemoveFile(entry.path, app_id, "moved" if app_id in listed else "gone")
        for app_id, entry in index.apps.items()
        if (app_id not in listed or app_id in stored)
        and entry.path not in written
        and entry.path not in keep
    ]
    return sorted(keeps, key=_path), sorted(removals, key=_path)


def _store(
    index: WorkspaceIndex,
    decisions: Sequence[ExportDecision],
    exports: Mapping[str, Export],
    stored_text: Callable[[str], str | None],
    *,
    full: bool,
    with_secrets: bool,
) -> tuple[list[WriteFile], list[RemoveFile], list[AppOutcome]]:
    """Writes, `.published.yml` removals and outcomes of the exported apps; `index` records
    the stored ones (a failed app keeps its entry, so the next run tries it again)."""
    writes: list[WriteFile] = []
    removals: list[RemoveFile] = []
    outcomes: list[AppOutcome] = []
    for decision in decisions:
        app, path, export = decision.app, decision.path, exports[decision.app.id]
        entry = index.apps.get(app.id)
        if isinstance(export, ExportFailed):
            outcomes.append(_failed(decision, entry, export))
            continue
        # Read before any operation applies: the file this app had until now.
        old_text = stored_text(entry.path) if entry else None
        kept = old_text is not None and _keeps(old_text, export, with_secrets=with_secrets)
        if kept and old_text is not None:
            # Only the secret material differs from a file stored with secrets: it stays.
            export = dataclasses.replace(export, text=old_text)
        if entry is None or entry.path != path or old_text != export.text:
            writes.append(WriteFile(path, export.text, app.id))
        live = _store_live(app.id, entry, path, export, stored_text, with_secrets=with_secrets)
        writes += live.writes
        removals += live.removals
        index.apps[app.id] = IndexEntry(
            name=app.name,
            mode=app.mode,
            path=path,
            updated_at=app.updated_at,
            dsl_version=export.dsl_version,
            content_hash=text_hash(export.text),
            redacted=export.redacted or bool(kept and entry and entry.redacted),
            live=live.entry,
        )
        outcome = _stored(decision, entry, export, old_text, full=full, live=live)
        outcomes.append(outcome)
    return sorted(writes, key=_path), removals, outcomes


@dataclass(frozen=True)
class _LiveStore:
    writes: list[WriteFile]
    removals: list[RemoveFile]
    entry: LiveEntry | None
    tracked: bool = False
    changed: bool = False
    stored: bool = False


def _store_live(
    app_id: str,
    entry: IndexEntry | None,
    path: str,
    export: PreparedExport,
    stored_text: Callable[[str], str | None],
    *,
    with_secrets: bool = False,
) -> _LiveStore:
    """How an app's `.published.yml` follows its live version: stored beside the draft
    while the two differ, removed when they are equal again or nothing is published."""
    recorded = entry.live if entry else None
    has_file = entry is not None and recorded is not None and recorded.published_hash
    old_path = published_path(entry.path) if entry and has_file else None
    old_text = stored_text(old_path) if old_path else None
    live = export.live
    if live is None:
        if old_path is None or recorded is None:
            return _LiveStore([], [], recorded)
        # Not looked at this run (a server that no longer lists versions): keep the file.
        live = LiveExport(recorded.version_id)
    if live.version_id is None:
        new_text = None
    elif live.export is None:
        new_text = old_text  # the recorded live version, still live: its file stays
    elif old_text is not None and _keeps(old_text, live.export, with_secrets=with_secrets):
        new_text = old_text
    else:
        new_text = live.export.text
    if new_text == export.text:
        new_text = None
    writes: list[WriteFile] = []
    removals: list[RemoveFile] = []
    new_path = published_path(path) if new_text is not None else None
    if old_path is not None and old_path != new_path:
        reason: Literal["moved", "live-equal"] = "moved" if new_path else "live-equal"
        removals.append(RemoveFile(old_path, app_id, reason))
    if (
        new_path is not None
        and new_text is not None
        and (new_path != old_path or new_text != old_text)
    ):
        writes.append(WriteFile(new_path, new_text, app_id))
    live_entry = LiveEntry(
        version_id=live.version_id,
        published_hash=text_hash(new_text) if new_text is not None else None,
    )
    return _LiveStore(
        writes,
        removals,
        live_entry,
        tracked=export.live is not None,
        changed=new_text != old_text,
        stored=new_text is not None,
    )


def _keeps(old_text: str, export: PreparedExport, *, with_secrets: bool) -> bool:
    return keeps_stored_file(
        old_text,
        export.text,
        with_secrets=with_secrets,
        committed_findings=[] if export.redacted else export.findings,
    )


def _failed(decision: ExportDecision, entry: IndexEntry | None, export: ExportFailed) -> AppOutcome:
    app = decision.app
    return AppOutcome(
        app_id=app.id,
        name=app.name,
        mode=app.mode,
        path=entry.path if entry else decision.path,
        status="failed",
        error=export.error,
        kept_last_good=entry is not None,
    )


def _stored(
    decision: ExportDecision,
    entry: IndexEntry | None,
    export: PreparedExport,
    old_text: str | None,
    *,
    full: bool,
    live: _LiveStore,
) -> AppOutcome:
    app, path = decision.app, decision.path
    status = _status(entry, path, old_text, export.text)
    if status == "unchanged" and live.changed:
        status = "changed"
    parts = []
    if live.tracked:
        parts = [
            part
            for part, moved in (("draft", old_text != export.text), ("published", live.changed))
            if moved
        ]
    outcome = AppOutcome(
        app_id=app.id,
        name=app.name,
        mode=app.mode,
        path=path,
        exported=True,
        status=status,
        changed_parts=parts,
        published_stored=live.stored,
        old_path=entry.path if entry and entry.path != path else None,
        old_name=entry.name if entry else None,
        redacted=export.findings if export.redacted else [],
        unredacted=[] if export.redacted else export.findings,
    )
    if old_text is not None and old_text != export.text:
        outcome.summary = _summary(old_text, export.text)
        outcome.changed_without_timestamp = bool(
            full and entry and entry.updated_at == app.updated_at
        )
    return outcome


def _forget_missing(index: WorkspaceIndex, listed: set[str]) -> list[AppOutcome]:
    """Apps the server no longer lists leave the index (git history keeps their files)."""
    removed = []
    for app_id, entry in list(index.apps.items()):
        if app_id in listed:
            continue
        del index.apps[app_id]
        removed.append(
            AppOutcome(
                app_id=app_id, name=entry.name, mode=entry.mode, status="removed", path=entry.path
            )
        )
    return removed


def _status(entry: IndexEntry | None, path: str, old_text: str | None, text: str) -> OutcomeStatus:
    if entry is None:
        return "added"
    if entry.path != path:
        return "renamed"
    return "changed" if old_text != text else "unchanged"


def _summary(old_text: str, new_text: str) -> str:
    try:
        return diff_documents(load_text(old_text), load_text(new_text)).summary()
    except DslError:
        return "changed (the previous file could not be read as a DSL)"


def _path(operation: FileOperation) -> str:
    return operation.path
