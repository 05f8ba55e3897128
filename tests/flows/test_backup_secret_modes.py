"""Backups with and without secrets, alternating, leave the files alone (issue 14: 10).

An export with secrets carries the (redacted) values of secret environment variables and
the `credential_id`s of tool nodes; one without has `''` and no `credential_id`. The files
stored with secrets stay through runs without them while only that differs; the first
run with secrets after runs without commits the switch, once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flows.backup import run_backup
from jobs import BackupSettings, Source
from reconcile.backup.layout import host_dir
from tests.flows.backup_support import TRIAGE, commits, edit_dsl, first_node, git, sign_in
from tests.support.emulator import EmulatorHandle

# The demo seed's value of Support Ticket Triage's secret TICKETING_API_KEY.
SEEDED_SECRET = "tk-demo-7Qm2Vx9LpA4sR8"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return tmp_path / "backup"


@pytest.fixture
def backup(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, repo: Path):  # type: ignore[no-untyped-def]
    sign_in(emulator, monkeypatch)

    def run(**options: Any) -> str | None:
        # --full: every app is exported again each run, so nothing hides a flip-flop.
        settings = BackupSettings(repo=str(repo), rate_limit=None, full=True, **options)
        report = run_backup(settings, [Source()])
        assert report.ok
        return report.commit

    return run


def _files(emulator: EmulatorHandle, repo: Path) -> tuple[str, str]:
    where = repo / host_dir(emulator.base_url) / "acme-dev"
    return (
        (where / "support-ticket-triage.yml").read_text(),
        (where / "release-notes-digest.yml").read_text(),
    )


def _leaked(repo: Path) -> bool:
    # A boolean, so a failing assertion never prints the history it searched.
    return SEEDED_SECRET in git(repo, "log", "-p", "--all")


def test_alternating_runs_commit_once_per_mode_switch_to_secrets_then_nothing(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    assert backup()  # the first backup
    assert backup(include_secret=True)  # the switch to files with secrets, once
    with_secrets = _files(emulator, repo)
    triage, digest = with_secrets
    assert "<redacted>" in triage and "credential_id" in digest
    assert backup() is None
    assert backup(include_secret=True) is None
    assert backup() is None
    assert _files(emulator, repo) == with_secrets
    assert len(commits(repo)) == 2
    assert not _leaked(repo)
    assert git(repo, "status", "--porcelain") == ""


def test_secrets_first_then_without_keeps_the_files(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    assert backup(include_secret=True)
    stored = _files(emulator, repo)
    assert backup() is None
    assert backup(include_secret=True) is None
    assert _files(emulator, repo) == stored
    assert len(commits(repo)) == 1


def test_a_real_change_in_a_run_without_secrets_is_stored_as_exported(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    assert backup(include_secret=True)

    def retitle(data: dict[str, Any]) -> None:
        first_node(data, "llm")["data"]["title"] = "Triage, reworded"

    edit_dsl(emulator, TRIAGE, retitle)
    assert backup()
    triage, _ = _files(emulator, repo)
    assert "Triage, reworded" in triage and "<redacted>" not in triage


def test_a_run_without_secrets_never_keeps_a_secret_committed_unredacted(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    # The explicit opt-in twice over: with secrets, and this app exempt from redaction.
    assert backup(include_secret=True, no_redact=[TRIAGE])
    triage, _ = _files(emulator, repo)
    leaked = SEEDED_SECRET in triage
    assert leaked
    # A default run (still exempting the app) does not keep the value it did not get.
    assert backup(no_redact=[TRIAGE])
    triage, _ = _files(emulator, repo)
    leaked = SEEDED_SECRET in triage
    assert not leaked
