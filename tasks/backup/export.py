"""Exporting apps: the per-app work of a backup (what to store is `reconcile.backup.files`).

On servers that list versions (S3: Dify's `api/controllers/openapi/app_release.py`), a
workflow-mode app's live version is exported too (`workflow_id=` on the same DSL export,
with the same secret handling as the draft), unless the recorded `.published.yml` is of
the version the server still runs.

Exports run on a small thread pool; each worker also parses the export and scans it for
credentials, so that our CPU work overlaps with the server producing the next exports
instead of queueing up after all of them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from dify_client import DifyClient, DifyError
from dsl import DslError, canonical_text, find_secrets, load_text, may_contain_secrets, redact
from reconcile.backup.files import Export, ExportFailed, LiveExport, PreparedExport
from reconcile.backup.plan import ExportDecision


def export_all(
    client: DifyClient,
    decisions: list[ExportDecision],
    *,
    concurrency: int,
    include_secret: bool,
    no_redact: set[str],
    progress: Callable[[str], None] | None = None,
) -> dict[str, Export]:
    """app id → its prepared export, or why there is none."""

    def work(decision: ExportDecision) -> tuple[str, Export]:
        app = decision.app
        redact_it = not ({app.id, app.name} & no_redact)
        try:
            exported = client.dsl.export(app.id, include_secret=include_secret)
            draft = prepare(exported, redact_it=redact_it)
            if decision.track_live:
                live = live_export(
                    client, decision, include_secret=include_secret, redact_it=redact_it
                )
                draft = dataclasses.replace(draft, live=live)
            result: Export = draft
        except (DifyError, DslError) as exc:
            result = ExportFailed(str(exc))
        if progress is not None:
            progress(app.name)
        return app.id, result

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return dict(pool.map(work, decisions))


def live_export(
    client: DifyClient, decision: ExportDecision, *, include_secret: bool, redact_it: bool
) -> LiveExport:
    """The version the app runs: found in its version list (newest first, so this is
    normally the first row of the first page), exported unless its file may be kept."""
    app_id = decision.app.id
    current = next((v for v in client.releases.iter_versions(app_id) if v.current), None)
    if current is None:
        return LiveExport(None)
    if current.id == decision.reusable_live:
        return LiveExport(current.id)
    exported = client.dsl.export(app_id, include_secret=include_secret, workflow_id=current.id)
    return LiveExport(current.id, prepare(exported, redact_it=redact_it))


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
