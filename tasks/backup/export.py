"""Exporting apps and storing them: the per-app work of a backup.

Exports run on a small thread pool; each worker also parses the export and scans it for
credentials, so that our CPU work overlaps with the server producing the next exports
instead of queueing up after all of them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from dify_client import DifyClient, DifyError
from dsl import (
    DslError,
    canonical_text,
    diff_documents,
    find_secrets,
    load_text,
    may_contain_secrets,
    redact,
)
from gitstore import GitStore
from reconcile.backup.layout import AppListing, IndexEntry, WorkspaceIndex, assign_paths
from reconcile.backup.plan import AppOutcome, ExportDecision, OutcomeStatus


@dataclass(frozen=True)
class PreparedExport:
    """An app's DSL as it will be stored, and what was found in it (never the values)."""

    text: str
    dsl_version: str | None
    findings: list[str] = field(default_factory=list)
    redacted: bool = False


ExportResult = PreparedExport | DifyError | DslError


def export_all(
    client: DifyClient,
    decisions: list[ExportDecision],
    *,
    concurrency: int,
    include_secret: bool,
    no_redact: set[str],
    progress: Callable[[str], None] | None = None,
) -> dict[str, ExportResult]:
    """app id → its prepared export, or the error that prevented it."""

    def work(decision: ExportDecision) -> tuple[str, ExportResult]:
        app = decision.app
        try:
            exported = client.dsl.export(app.id, include_secret=include_secret)
            result: ExportResult = prepare(exported, redact_it=not ({app.id, app.name} & no_redact))
        except (DifyError, DslError) as exc:
            result = exc
        if progress is not None:
            progress(app.name)
        return app.id, result

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return dict(pool.map(work, decisions))


def prepare(exported: str, *, redact_it: bool) -> PreparedExport:
    """An export as it will be stored: as sent, unless it holds credentials to redact.

    Most apps (LLM workflows without HTTP nodes, keys or secrets) cannot hold anything the
    detector would find; `may_contain_secrets` says so from the text, which spares parsing
    them at all (the bulk of a backup's CPU time otherwise).
    """
    stored = exported if exported.endswith("\n") else exported + "\n"
    if not may_contain_secrets(exported):
        return PreparedExport(stored, _version_of(exported))
    document = load_text(exported, source="export")
    findings = find_secrets(document)
    version = str(document.data.get("version") or "") or None
    if findings and redact_it:
        # Only a redacted document is dumped again (in Dify's own canonical form).
        text = canonical_text(redact(document, findings))
        return PreparedExport(text, version, [str(f) for f in findings], redacted=True)
    # Dify's exporter writes canonical text (PyYAML's dump), so an export is stored byte
    # for byte as the server sent it: exactly what a restore imports. Findings left in an
    # exempt app are still reported, so nobody commits a credential without being told.
    return PreparedExport(stored, version, [str(f) for f in findings])


_VERSION_LINE = re.compile(r"^version: ['\"]?([^'\"\n]+?)['\"]?$", re.MULTILINE)


def _version_of(text: str) -> str | None:
    """The top-level `version:` of an export (PyYAML writes it unindented)."""
    found = _VERSION_LINE.search(text)
    return found.group(1) if found else None


def store_export(
    store: GitStore,
    index: WorkspaceIndex,
    decision: ExportDecision,
    result: ExportResult,
    *,
    old_text: str | None,
    full: bool,
) -> AppOutcome:
    """Write one export, update the index, say what changed (`old_text` was read before
    any file of this run moved)."""
    app, path = decision.app, decision.path
    entry = index.apps.get(app.id)
    if not isinstance(result, PreparedExport):
        return AppOutcome(
            app_id=app.id,
            name=app.name,
            mode=app.mode,
            path=entry.path if entry else path,
            status="failed",
            error=str(result),
            kept_last_good=entry is not None,
        )
    store.write_text(path, result.text)
    index.apps[app.id] = IndexEntry(
        name=app.name,
        mode=app.mode,
        path=path,
        updated_at=app.updated_at,
        dsl_version=result.dsl_version,
        content_hash=text_hash(result.text),
        redacted=result.redacted,
    )
    outcome = AppOutcome(
        app_id=app.id,
        name=app.name,
        mode=app.mode,
        path=path,
        exported=True,
        status=_status(entry, path, old_text, result.text),
        old_path=entry.path if entry and entry.path != path else None,
        old_name=entry.name if entry else None,
        redacted=result.findings if result.redacted else [],
        unredacted=[] if result.redacted else result.findings,
    )
    if old_text is not None and old_text != result.text:
        outcome.summary = _summary(old_text, result.text)
        outcome.changed_without_timestamp = bool(
            full and entry and entry.updated_at == app.updated_at
        )
    return outcome


def hold_failed_files(
    directory: str,
    listings: list[AppListing],
    index: WorkspaceIndex,
    decisions: list[ExportDecision],
    exported: dict[str, ExportResult],
) -> tuple[list[ExportDecision], dict[str, str]]:
    """Decisions and paths again, with apps whose export failed pinned to their last good
    file: when another app was to take that file (two apps swapping names), it gets
    another path instead of overwriting the only copy of the failed app's backup."""
    held = {
        d.app.id: index.apps[d.app.id].path
        for d in decisions
        if d.app.id in index.apps and not isinstance(exported[d.app.id], PreparedExport)
    }
    paths = assign_paths(directory, listings, index, held=held)
    return [d.model_copy(update={"path": paths[d.app.id]}) for d in decisions], paths


def vacate_paths(
    store: GitStore,
    index: WorkspaceIndex,
    decisions: list[ExportDecision],
    results: dict[str, ExportResult],
    listed: set[str],
) -> None:
    """Remove the files this run leaves: old paths of renamed apps and files of apps that
    are gone, but never a path this run writes, nor the last good file of an app whose
    export failed.

    Done before any write, so a path handed from one app to another (a rename into a
    freed name, two apps swapping names, a deleted app re-created) ends up holding the
    new content instead of being deleted after it was written.
    """
    ok = {d.app.id for d in decisions if isinstance(results[d.app.id], PreparedExport)}
    written = {d.path for d in decisions if d.app.id in ok}
    moved = {d.app.id for d in decisions if d.app.id in ok}
    keep: set[str] = set()
    for app_id, entry in list(index.apps.items()):
        if app_id in listed and app_id not in moved:
            if entry.path in written:
                # Only when a caller skipped `hold_failed_files`: the failed app's file now
                # holds another app, so forget it and export it afresh next run rather
                # than trust the other app's content as its own.
                del index.apps[app_id]
            else:
                keep.add(entry.path)
    for app_id, entry in index.apps.items():
        leaving = app_id not in listed or app_id in moved
        if leaving and entry.path not in written and entry.path not in keep:
            store.remove(entry.path)


def forget_missing(index: WorkspaceIndex, listed: set[str]) -> list[AppOutcome]:
    """Apps the server no longer lists leave the index (their files were vacated; git
    history keeps them)."""
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


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
