"""A backup after a killed one: git's stale index.lock and orphan temporary files
(issue 14: 2, 12)."""

from __future__ import annotations

import asyncio
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows._calling import JobFailed
from flows.backup import backup_flow, run_backup
from gitstore import IndexLockedError
from jobs import BackupSettings, Source
from tests.flows.backup_support import TRIAGE, commits, edit_dsl, first_node, git, sign_in
from tests.support.emulator import EmulatorHandle


def _retitle(data: dict[str, Any]) -> None:
    first_node(data, "llm")["data"]["title"] = "Triage after the crash"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return tmp_path / "backup"


@pytest.fixture
def run_log() -> Iterator[list[str]]:
    lines: list[str] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Lines(logging.INFO)
    loggers = [logging.getLogger(n) for n in ("prefect.flow_runs", "prefect.task_runs")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield lines
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def _backup(repo: Path) -> Any:
    return run_backup(BackupSettings(repo=str(repo), rate_limit=None), [Source()])


def test_a_stale_index_lock_is_removed_and_the_run_commits_saying_so(
    prefect_harness,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    repo: Path,
    run_log: list[str],
) -> None:
    sign_in(emulator, monkeypatch)
    assert _backup(repo).commit
    edit_dsl(emulator, TRIAGE, _retitle)
    # What `git add` or `git commit` killed with -9 leaves, and half-written files.
    (repo / ".git" / "index.lock").write_text("")
    (repo / ".git" / "difyops-tmp").mkdir(exist_ok=True)
    (repo / ".git" / "difyops-tmp" / "tmpx1y2.tmp").write_text("half a file")
    before = len(commits(repo))

    result = asyncio.run(backup_flow(repo=str(repo), rate_limit=None))

    assert result["commit"] and len(commits(repo)) == before + 1
    assert "Triage after the crash" in git(repo, "show", "HEAD")
    assert "removed a stale .git/index.lock left by an interrupted run" in run_log
    assert not (repo / ".git" / "index.lock").exists()
    assert list((repo / ".git" / "difyops-tmp").iterdir()) == []
    assert git(repo, "status", "--porcelain") == ""


def test_an_index_lock_of_a_running_git_fails_the_run_with_one_line_and_a_hint(
    prefect_harness,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    repo: Path,
    run_log: list[str],
) -> None:
    sign_in(emulator, monkeypatch)
    assert _backup(repo).commit
    before = commits(repo)
    (repo / ".git" / "index.lock").write_text("")
    # A person's git in the repository, still running (it waits for its input).
    person = subprocess.Popen(["git", "hash-object", "--stdin"], cwd=repo, stdin=subprocess.PIPE)
    try:
        parameters: dict[str, Any] = {"repo": str(repo), "rate_limit": None}
        state = asyncio.run(backup_flow(return_state=True, **parameters))
        with pytest.raises(IndexLockedError):
            _backup(repo)
    finally:
        assert person.stdin is not None
        person.stdin.close()
        person.wait()
    assert state.is_failed()
    with pytest.raises(JobFailed) as raised:
        state.result()
    line, hint = raised.value.message.split("\n")
    assert "index.lock exists and a git command is running there" in line
    assert "bug" not in raised.value.message.lower()
    assert hint.startswith("Let that git command finish and run again")
    assert "Traceback" not in "\n".join(run_log)
    assert (repo / ".git" / "index.lock").exists()  # a person's lock is never taken away
    assert commits(repo) == before
