"""Two backups of one repository at once (issue 14, suite 5): CLI with CLI, CLI with flow.

Each pair backs up different workspaces of the same server into the same repository, so
the second run's commit must keep every file of the first. One run is caught in the
middle of an export (the emulator holds that answer back, then the process is stopped
with SIGSTOP), which makes "the other one starts while the first holds the repository"
certain rather than likely; the second must then wait for the first, say so, and both
must complete. Afterwards: `git fsck --full` is clean, no file either run committed is
lost, and the tree is exactly the tree of one backup of all the workspaces.

The CLI runs are real `difyops` processes (a lock between processes is the point); the
flow runs in this process on the session's Prefect test server, as tests/flows do.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flows.backup import backup_flow, run_backup
from jobs import BackupSettings, Source
from tests.support import figures
from tests.support.emulator import DEMO, EmulatorHandle

SUITE = "concurrency"
FIRST = ["Acme Dev"]
SECOND = ["Acme Prod", "Partner Lab"]
# Bulk apps per workspace, so each run writes a few dozen files.
EXTRA_APPS = 12
# How long the first run's first export is held back: the window to stop it in. Only an
# upper bound on a wait (the process is stopped a few milliseconds into it).
HOLD_MS = 1000
# Bounds on waiting for a process to reach a point: never a measured figure.
BOUND_SECONDS = 60.0
POLL_SECONDS = 0.005
WAITING = "is running; waiting up to"


@dataclass
class CliRun:
    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")

    def finish(self) -> dict[str, Any]:
        """Wait for the process; its `--json` report (fails with its stderr if it failed)."""
        code = self.process.wait(timeout=BOUND_SECONDS)
        assert code == 0, f"backup exited {code}: {self.stderr()}"
        report: dict[str, Any] = json.loads(self.out.read_text(encoding="utf-8"))
        return report


@dataclass(frozen=True)
class Outcome:
    """What a pair of runs left in the repository, as the figure reports it."""

    waited: int
    completed: int
    files: int
    lost: list[str]
    fsck_clean: bool
    identical: bool

    def line(self) -> str:
        return (
            f"2 backups at once, {self.waited} waited and said so, {self.completed}/2 completed, "
            f"{len(self.lost)} of {self.files} files lost, "
            f"fsck {'clean' if self.fsck_clean else 'NOT clean'}, "
            f"tree {'identical to' if self.identical else 'DIFFERENT from'} one backup"
        )


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def tree(repo: Path, ref: str = "HEAD") -> dict[str, str]:
    """path → blob id of every file committed at `ref`."""
    entries = git(repo, "ls-tree", "-r", ref).splitlines()
    return {line.split("\t", 1)[1]: line.split()[2] for line in entries}


def committed_by(repo: Path, sha: str) -> dict[str, str]:
    """path → blob id of what one commit added or changed."""
    lines = git(repo, "diff-tree", "-r", "--root", "--no-commit-id", sha).splitlines()
    return {line.split("\t", 1)[1]: line.split()[3] for line in lines}


def fsck_clean(repo: Path) -> bool:
    done = subprocess.run(
        ["git", "-C", str(repo), "fsck", "--full"], check=False, capture_output=True
    )
    return done.returncode == 0


def wait_for(condition: Callable[[], bool], what: str, *, running: CliRun | None = None) -> None:
    deadline = time.monotonic() + BOUND_SECONDS
    while not condition():
        if running is not None and running.process.poll() is not None:
            pytest.fail(f"the backup ended before {what}: {running.stderr()}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {BOUND_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)


@pytest.fixture
def signed_in(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Ada's credentials for this process (the flow) and the environment of a CLI run."""
    for workspace in (DEMO.ACME_DEV, DEMO.ACME_PROD):
        emulator.admin.bulk(workspace, apps=EXTRA_APPS)
    token = emulator.admin.token("ada@acme.example")
    monkeypatch.setenv("DIFY_SERVER", emulator.base_url)
    monkeypatch.setenv("DIFY_TOKEN", token)
    return {**os.environ}


_started: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def _no_run_outlives_its_test() -> Iterator[None]:
    """A test that fails half-way still ends the `difyops` processes it started."""
    yield
    while _started:
        process = _started.pop()
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
            process.wait()


def start_cli(env: dict[str, str], repo: Path, workspaces: list[str], name: str) -> CliRun:
    chosen = [arg for workspace in workspaces for arg in ("-w", workspace)]
    out, err = repo.parent / f"{name}.out", repo.parent / f"{name}.err"
    command = [sys.executable, "-m", "difyops", "backup", "run", "--repo", str(repo), "--json"]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen([*command, *chosen], env=env, stdout=stdout, stderr=stderr)
    _started.append(process)
    return CliRun(process, out, err)


@contextmanager
def stopped_mid_export(emulator: EmulatorHandle, run: CliRun) -> Iterator[None]:
    """`run` stopped (SIGSTOP) while its first export is held back, so it holds the
    repository's lock; continued when the block ends, however it ends."""
    export = emulator.route("export.console_app.dsl")
    emulator.admin.fault("latency", route=export, times=1, latency_ms=HOLD_MS)
    wait_for(lambda: emulator.admin.stats().get(export, 0) >= 1, "first export", running=run)
    run.process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        run.process.send_signal(signal.SIGCONT)


def one_backup_tree(emulator: EmulatorHandle, tmp_path: Path) -> dict[str, str]:
    """The tree of a single backup of both runs' workspaces, into a repository of its own."""
    emulator.admin.clear_faults()
    alone = tmp_path / "alone"
    report = run_backup(
        BackupSettings(repo=str(alone), rate_limit=None), [Source(workspaces=FIRST + SECOND)]
    )
    assert report.ok and report.commit
    return tree(alone)


def outcome(
    emulator: EmulatorHandle, tmp_path: Path, repo: Path, commits: list[str], waited: int
) -> Outcome:
    final = tree(repo)
    wrote: dict[str, str] = {}
    for sha in commits:
        wrote |= committed_by(repo, sha)
    lost = sorted(path for path, blob in wrote.items() if final.get(path) != blob)
    return Outcome(
        waited=waited,
        completed=len(commits),
        files=len(wrote),
        lost=lost,
        fsck_clean=fsck_clean(repo),
        identical=final == one_backup_tree(emulator, tmp_path),
    )


def assert_as_one_backup(result: Outcome, repo: Path, commits: list[str]) -> None:
    assert result.waited == 1, "the second backup did not wait for the first"
    assert result.lost == []
    assert result.fsck_clean
    assert result.identical
    # One commit per run, one after the other (no merge, nothing interleaved).
    assert git(repo, "rev-list", "HEAD").split() == commits[::-1]
    assert git(repo, "status", "--porcelain") == ""


def test_two_cli_backups_at_once_one_waits_and_both_complete(
    emulator: EmulatorHandle, signed_in: dict[str, str], tmp_path: Path
) -> None:
    repo = tmp_path / "backup"
    first = start_cli(signed_in, repo, FIRST, "first")
    with stopped_mid_export(emulator, first):
        second = start_cli(signed_in, repo, SECOND, "second")
        wait_for(lambda: WAITING in second.stderr(), "waiting line", running=second)
    reports = [first.finish(), second.finish()]
    commits = [str(report["commit"]) for report in reports]
    waiting = [line for run in (first, second) for line in run.stderr().splitlines()]
    waited = [line for line in waiting if WAITING in line]
    result = outcome(emulator, tmp_path, repo, commits, len(waited))
    figures.record(SUITE, "cli+cli", result.line())

    assert waited == [f"another backup of {repo} is running; waiting up to 900 s"]
    assert_as_one_backup(result, repo, commits)


class _Heard(logging.Handler):
    """Sets `event` when the flow run logs that it waits for the repository."""

    def __init__(self, event: threading.Event) -> None:
        super().__init__(logging.INFO)
        self.event = event
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if WAITING in message:
            self.lines.append(message)
            self.event.set()


def test_a_cli_backup_and_the_flow_at_once_one_waits_and_both_complete(
    prefect_harness: None,
    emulator: EmulatorHandle,
    signed_in: dict[str, str],
    tmp_path: Path,
) -> None:
    repo = tmp_path / "backup"
    heard = threading.Event()
    handler = _Heard(heard)
    logger = logging.getLogger("prefect.flow_runs")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    cli = start_cli(signed_in, repo, FIRST, "cli")
    try:
        with stopped_mid_export(emulator, cli):
            # The flow runs here and waits for the stopped CLI: a thread lets the CLI go
            # once the flow says it waits (or after the bound, so a flow that never waits
            # fails the test instead of hanging it).
            resume = threading.Thread(target=heard.wait, args=(BOUND_SECONDS,), daemon=True)
            resume.start()

            def continue_cli() -> None:
                resume.join()
                cli.process.send_signal(signal.SIGCONT)

            letting_go = threading.Thread(target=continue_cli, daemon=True)
            letting_go.start()
            flow_result = asyncio.run(
                backup_flow(repo=str(repo), workspaces=SECOND, rate_limit=None)
            )
            letting_go.join()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    cli_report = cli.finish()
    assert isinstance(flow_result, dict), flow_result
    commits = [str(cli_report["commit"]), str(flow_result["commit"])]
    result = outcome(emulator, tmp_path, repo, commits, len(handler.lines))
    figures.record(SUITE, "cli+flow", result.line())

    assert handler.lines == [f"another backup of {repo} is running; waiting up to 900 s"]
    assert WAITING not in cli.stderr()
    assert_as_one_backup(result, repo, commits)


def test_two_cli_backups_started_together_on_a_new_repository_both_complete(
    emulator: EmulatorHandle, signed_in: dict[str, str], tmp_path: Path
) -> None:
    # Nothing held back: whichever creates the repository and takes its lock first, the
    # other waits or comes after; neither may trip over the other's `git init`.
    repo = tmp_path / "backup"
    runs = [
        start_cli(signed_in, repo, FIRST, "first"),
        start_cli(signed_in, repo, SECOND, "second"),
    ]
    reports = [run.finish() for run in runs]
    commits = [str(report["commit"]) for report in reports]
    waited = sum(WAITING in run.stderr() for run in runs)
    result = outcome(emulator, tmp_path, repo, commits, waited)
    figures.record(SUITE, "cli+cli, new repository", result.line())

    assert result.lost == []
    assert result.fsck_clean
    assert result.identical
    assert sorted(git(repo, "rev-list", "HEAD").split()) == sorted(commits)
