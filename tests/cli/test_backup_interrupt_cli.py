"""`difyops backup run` interrupted with Ctrl-C (issue 15): it stops at once, says so, and
commits the exports that finished; the next run backs up the rest."""

from __future__ import annotations

import signal
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from dify_client import DifyClient
from dify_client.resources.dsl import DslResource
from dify_client.testing import FakeClock
from tests.support.emulator import DEMO, EmulatorHandle

BULK = 60
INTERRUPT_AT = 20  # the export during which the user presses Ctrl-C
CONCURRENCY = 4  # the CLI's default: the exports under way when it comes


@pytest.fixture(autouse=True)
def no_real_waits(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    clock = FakeClock()
    monkeypatch.setattr("dify_client._client._SYSTEM_CLOCK", clock)
    return clock


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def app_files(repo: Path) -> list[str]:
    """The apps' draft DSL files committed at HEAD (not indexes, not published versions)."""
    paths = git(repo, "ls-tree", "-r", "--name-only", "HEAD").split("\n")
    return [
        p for p in paths if p.endswith(".yml") and not p.endswith(("/_index.yml", ".published.yml"))
    ]


def ctrl_c_during_export(monkeypatch: pytest.MonkeyPatch, n: int) -> list[int]:
    """KeyboardInterrupt from the n-th export call, where a user's Ctrl-C lands while the
    backup waits on the server; returns the count of export calls made."""
    real = DslResource.export
    lock, calls = threading.Lock(), [0]

    def export(self: DslResource, *args: object, **kwargs: object) -> str:
        with lock:
            calls[0] += 1
            mine = calls[0]
        if mine == n:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(DslResource, "export", export)
    return calls


def test_ctrl_c_commits_the_finished_exports_and_the_next_run_does_the_rest(
    invoke, signed_in: str, emulator: EmulatorHandle, tmp_path: Path, monkeypatch
) -> None:
    emulator.admin.bulk(DEMO.ACME_DEV, apps=BULK)
    repo = tmp_path / "backup"
    calls = ctrl_c_during_export(monkeypatch, INTERRUPT_AT)

    done = invoke("backup", "run", "--repo", str(repo), "-w", "Acme Dev")

    assert done.exit_code == 130, done.output
    assert "cancelling" in done.stderr
    error = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "interrupted" in error[0] and "committed" in error[0], error
    # It stopped instead of exporting every app left: at most the exports under way finished.
    with DifyClient(emulator.base_url, signed_in) as dify:
        listed = len(list(dify.apps.iter_all(DEMO.ACME_DEV)))
    assert calls[0] <= INTERRUPT_AT + CONCURRENCY < listed
    # One commit, saying the run was interrupted, holding whole files of the finished apps.
    subject = git(repo, "log", "--format=%s").splitlines()
    assert len(subject) == 1 and subject[0].startswith("Backup (interrupted): "), subject
    files = app_files(repo)
    assert INTERRUPT_AT - 1 <= len(files) < listed
    for path in files:
        document = yaml.safe_load(git(repo, "show", f"HEAD:{path}"))
        assert document["app"]["name"], path
    assert git(repo, "status", "--porcelain") == ""  # nothing half-written left behind

    calls[0] = -(10**6)  # no Ctrl-C this time
    again = invoke("backup", "run", "--repo", str(repo), "-w", "Acme Dev")
    assert again.exit_code == 0, again.output
    assert len(app_files(repo)) == listed
    assert git(repo, "log", "-1", "--format=%s").startswith("Backup: ")


def test_ctrl_c_while_the_workers_wait_out_the_rate_limit_ends_their_waits(
    invoke, signed_in: str, emulator: EmulatorHandle, tmp_path: Path, monkeypatch
) -> None:
    """The real clock, a rate limit that makes every worker sleep, and a real SIGINT to
    the main thread once they do: no export is sent after it (the waits end at once
    instead of running out and sending one more export each)."""
    from dify_client._clock import SystemClock

    monkeypatch.setattr("dify_client._client._SYSTEM_CLOCK", SystemClock())
    emulator.admin.bulk(DEMO.ACME_DEV, apps=BULK)
    export_route = emulator.route("export.console_app.dsl")
    real_sleep = SystemClock.sleep
    sent = threading.Event()
    exports_at_ctrl_c: list[int] = []

    def sleep(self: SystemClock, seconds: float) -> None:
        if seconds > 5 and not sent.is_set():  # the first long pacing wait
            sent.set()
            exports_at_ctrl_c.append(emulator.admin.stats().get(export_route, 0))
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        real_sleep(self, seconds)

    monkeypatch.setattr(SystemClock, "sleep", sleep)
    repo = tmp_path / "backup"
    done = invoke("backup", "run", "--repo", str(repo), "-w", "Acme Dev", "--rate-limit", "12")

    assert sent.is_set()
    assert done.exit_code == 130, done.output
    assert "cancelling" in done.stderr
    assert emulator.admin.stats().get(export_route, 0) == exports_at_ctrl_c[0]
    assert git(repo, "log", "--format=%s").startswith("Backup (interrupted): ")
