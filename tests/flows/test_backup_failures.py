"""The backup job when the server goes away mid-run (issue 14): it stops exporting after a
few exports in a row found nobody answering, instead of waiting out every app's retries."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from dify_client.testing import FakeClock
from flows.backup import run_backup
from jobs import BackupSettings, Source
from tests.flows.backup_support import commits, git
from tests.support.emulator import DEMO

CONCURRENCY = 4
RETRIES = 3  # the client's DEFAULT_MAX_RETRIES: one wait on the clock before each
GONE_AFTER = 3  # exports in a row that stop the run (tasks.backup.export.GONE_AFTER)


def test_a_server_that_shuts_down_mid_run_stops_the_exports(
    emulator_factory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clock = FakeClock()
    monkeypatch.setattr("dify_client._client._SYSTEM_CLOCK", clock)
    dify = emulator_factory()
    dify.admin.bulk(DEMO.ACME_DEV, apps=40)
    monkeypatch.setenv("DIFY_SERVER", dify.base_url)
    monkeypatch.setenv("DIFY_TOKEN", dify.admin.token("ada@acme.example"))
    lock, exported = threading.Lock(), [0]

    def shut_down_after_five(_name: str) -> None:
        with lock:
            exported[0] += 1
            if exported[0] == 5:
                dify.server.stop()  # from now on, connections are refused

    repo = tmp_path / "backup"
    settings = BackupSettings(repo=str(repo), rate_limit=None, concurrency=CONCURRENCY)
    report = run_backup(settings, [Source(workspaces=["Acme Dev"])], shut_down_after_five)

    [result] = report.results
    assert not report.ok
    assert result.stopped is not None
    assert result.stopped.startswith(f"Dify at {dify.base_url} stopped answering after ")
    # Refused once the server is down; a keep-alive connection it closed while shutting
    # down may be what the last attempt met.
    assert re.search(
        r"\(connection (refused|dropped)\); nothing more was exported$", result.stopped
    )
    assert report.failure_line() == result.stopped
    # A few apps waited out their retries, not every app that was left: the exports that
    # tripped the breaker and those in flight then (doubled: while the server shuts down,
    # a retried request may still be answered, and an answer starts the count again).
    tried = 2 * (GONE_AFTER + CONCURRENCY - 1)
    assert len(clock.sleeps) <= tried * RETRIES
    assert len(result.not_exported) >= result.listed - result.exports - tried
    # What was exported before is committed, and counted as exported; nothing else is.
    assert len(commits(repo)) == 1
    subject = git(repo, "log", "-1", "--format=%s").strip()
    assert subject == f"Backup: {result.exports} added, {result.listed - result.exports} failed"
    assert result.exports >= 5
