"""Exporting apps: the per-app work of a backup (what to store is `reconcile.backup.files`).

On servers that list versions (S3: Dify's `api/controllers/openapi/app_release.py`), a
workflow-mode app's live version is exported too (`workflow_id=` on the same DSL export,
with the same secret handling as the draft), unless the recorded `.published.yml` is of
the version the server still runs.

Exports run on a small thread pool; each worker also parses the export and scans it for
credentials, so that our CPU work overlaps with the server producing the next exports
instead of queueing up after all of them.

The pool stops early (`Breaker`): at the first rejected token, since every later request
would be rejected too, and once a few exports in a row found the server gone (no answer
after the client's own retries), since each further one would only wait out the same
retries.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from dify_client import (
    APIStatusError,
    AuthenticationError,
    DifyClient,
    DifyConnectionError,
    DifyError,
    DifyTimeoutError,
    interrupt_waits,
    resume_waits,
)
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
    breaker: Breaker | None = None,
    on_interrupt: Callable[[], None] | None = None,
) -> dict[str, Export]:
    """app id → its prepared export, or why there is none.

    Once `breaker` opens, the exports not yet started are not attempted (an ExportFailed
    each, their ids in `breaker.skipped`); the caller reads why from the breaker. A Ctrl-C
    opens it too (`breaker.interrupted`; `on_interrupt` is told at once): the exports
    finished by then are returned, the others are "not exported".
    """
    breaker = breaker or Breaker()

    def work(decision: ExportDecision) -> tuple[str, Export]:
        app = decision.app
        redact_it = not ({app.id, app.name} & no_redact)
        if breaker.is_open:
            breaker.skip(app.id)
            return app.id, ExportFailed(f"not exported: {breaker.why}")
        ticket = breaker.start()
        try:
            exported = client.dsl.export(app.id, include_secret=include_secret)
            draft = prepare(exported, redact_it=redact_it)
            if decision.track_live:
                live = live_export(
                    client, decision, include_secret=include_secret, redact_it=redact_it
                )
                draft = dataclasses.replace(draft, live=live)
            result: Export = draft
            breaker.succeeded(ticket)
        except (DifyError, DslError) as exc:
            if breaker.interrupted:  # its wait was cut short by the Ctrl-C: not tried
                breaker.skip(app.id)
                return app.id, ExportFailed(f"not exported: {breaker.why}")
            result = ExportFailed(str(exc))
            breaker.failed(exc, ticket)
        except KeyboardInterrupt:
            breaker.interrupt()  # at once: the other workers start nothing new
            raise
        if progress is not None:
            progress(app.name)
        return app.id, result

    pool = ThreadPoolExecutor(max_workers=concurrency)
    futures = [pool.submit(work, decision) for decision in decisions]
    try:
        results = [future.result() for future in futures]
    except KeyboardInterrupt:
        # Ctrl-C (it lands here, in the thread waiting on the pool, or comes back from a
        # worker): no export starts any more, the ones under way finish (a request each),
        # and what is done is kept for the caller to store.
        breaker.interrupt()
        if on_interrupt is not None:
            on_interrupt()
        interrupt_waits()  # a worker sleeping out the rate limit wakes up now
        try:
            pool.shutdown(wait=True, cancel_futures=True)
        finally:
            resume_waits()
        return dict(
            _settled(future, decision, breaker)
            for future, decision in zip(futures, decisions, strict=True)
        )
    pool.shutdown()
    return dict(results)


def _settled(
    future: Future[tuple[str, Export]], decision: ExportDecision, breaker: Breaker
) -> tuple[str, Export]:
    """An export's result after an interruption: what it gave, or "not exported"."""
    if not future.cancelled() and future.exception() is None:
        return future.result()
    breaker.skip(decision.app.id)
    return decision.app.id, ExportFailed(f"not exported: {breaker.why}")


# Exports in a row that found the server gone before a backup stops exporting.
GONE_AFTER = 3
# Answers of a proxy whose Dify is gone (after the client's retries).
_GATEWAY_STATUSES = frozenset({502, 503, 504})


class Breaker:
    """Whether an export pool should go on: open at the first rejected token, or once
    `threshold` exports in a row (across the pool) found the server gone. Thread-safe.

    "In a row" is in the order the exports started (`start` hands out the numbers): an
    export that began before the first failure of a streak and ends well after it (a live
    version looked up, a slow answer) says nothing about the server since.
    """

    def __init__(self, threshold: int = GONE_AFTER) -> None:
        self.threshold = threshold
        self.exported = 0
        self.rejected: AuthenticationError | None = None
        # Why the server counts as gone ("connection refused"), once it does.
        self.gone: str | None = None
        self.skipped: list[str] = []
        # Whether the user interrupted the run (Ctrl-C).
        self.interrupted = False
        self._in_a_row = 0
        self._started = 0
        self._streak_from = 0  # the number of the streak's first failed export
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self.rejected is not None or self.gone is not None or self.interrupted

    @property
    def why(self) -> str:
        if self.interrupted:
            return "the run was interrupted"
        if self.rejected is not None:
            return "the token was rejected"
        return f"the server stopped answering ({self.gone})"

    def start(self) -> int:
        """The number of an export about to start."""
        with self._lock:
            self._started += 1
            return self._started

    def succeeded(self, ticket: int) -> None:
        with self._lock:
            self.exported += 1
            self._answered(ticket)

    def failed(self, exc: Exception, ticket: int) -> None:
        with self._lock:
            if isinstance(exc, AuthenticationError):
                self.rejected = self.rejected or exc
                return
            reason = gone_reason(exc)
            if reason is None:
                self._answered(ticket)
                return
            if self._in_a_row == 0:
                self._streak_from = ticket
            self._in_a_row += 1
            if self._in_a_row >= self.threshold and self.gone is None:
                self.gone = reason

    def _answered(self, ticket: int) -> None:
        """The server answered an export: a streak of failures ends, unless that export
        started before the streak did."""
        if self._in_a_row == 0 or ticket > self._streak_from:
            self._in_a_row = 0

    def interrupt(self) -> None:
        with self._lock:
            self.interrupted = True

    def skip(self, app_id: str) -> None:
        with self._lock:
            self.skipped.append(app_id)


def gone_reason(exc: Exception) -> str | None:
    """Why a failed request says the server is gone, in a few words; None if it answered."""
    if isinstance(exc, DifyTimeoutError):
        return "timed out"
    if isinstance(exc, DifyConnectionError):
        text = exc.message.lower()
        if "refused" in text:
            return "connection refused"
        return "cannot connect" if not exc.sent else "connection dropped"
    if isinstance(exc, APIStatusError) and exc.status in _GATEWAY_STATUSES:
        return f"HTTP {exc.status}"
    return None


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
