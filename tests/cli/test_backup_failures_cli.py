"""`difyops backup run` when things go wrong mid-run (issue 14): a token revoked while
exporting, a server that stops answering, and failed exports in the counts."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import flows.backup
from dify_client.testing import FakeClock
from tests.support.emulator import DEMO, EmulatorHandle

TRIAGE = "a0000000-0000-4000-8000-000000000101"
NEW_APPS = 40
CONCURRENCY = 4  # the CLI's default
# The client's own attempts per request (1 + DEFAULT_MAX_RETRIES) and the exports in a row
# that stop a backup (tasks.backup.export.GONE_AFTER), as a user would count them.
ATTEMPTS = 4
GONE_AFTER = 3


@pytest.fixture(autouse=True)
def no_real_waits(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Retries and pacing wait on a clock that only moves when slept on."""
    clock = FakeClock()
    monkeypatch.setattr("dify_client._client._SYSTEM_CLOCK", clock)
    return clock


def head(repo: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()


def first_backup(invoke, repo: Path) -> str:  # type: ignore[no-untyped-def]
    done = invoke("backup", "run", "--repo", str(repo), "-w", "Acme Dev")
    assert done.exit_code == 0, done.output
    return head(repo)


def on_nth_export(
    monkeypatch: pytest.MonkeyPatch, n: int, action: Callable[[], None]
) -> threading.Event:
    """Run `action` once, right after the run's n-th export (from the worker that made it):
    someone acting in Dify while the backup is under way."""
    real = flows.backup.run_backup
    lock, count, done = threading.Lock(), [0], threading.Event()

    def tick(_name: str) -> None:
        with lock:
            count[0] += 1
            if count[0] == n:
                action()
                done.set()

    monkeypatch.setattr(
        flows.backup,
        "run_backup",
        lambda settings, sources, _progress=None, note=None: real(settings, sources, tick, note),
    )
    return done


def test_a_token_revoked_mid_run_stops_at_once_and_commits_nothing(
    invoke, signed_in: str, emulator: EmulatorHandle, tmp_path: Path, monkeypatch
) -> None:
    repo = tmp_path / "backup"
    before = first_backup(invoke, repo)
    emulator.admin.bulk(DEMO.ACME_DEV, apps=NEW_APPS)
    export_route = emulator.route("export.console_app.dsl")
    at_revocation: list[int] = []

    def revoke() -> None:
        # The person signs this session out elsewhere (their own token, their own call).
        with emulator.client(signed_in) as api:
            assert api.delete("/account/sessions/self").status_code == 200
        at_revocation.append(emulator.admin.stats()[export_route])

    revoked = on_nth_export(monkeypatch, 5, revoke)
    done = invoke("backup", "run", "--repo", str(repo), "-w", "Acme Dev")

    assert revoked.is_set()
    assert done.exit_code == 4, done.output  # the CLI's exit code for sign-in problems
    error = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1
    assert re.search(r"rejected the token after \d+ export\(s\)", error[0]), error[0]
    assert "nothing was committed" in error[0]
    assert "hint: Sign in again with `difyops auth login`" in done.stderr
    # No more than one request per worker after the revocation, not one per app left.
    after = emulator.admin.stats()[export_route] - at_revocation[0]
    assert after <= CONCURRENCY
    # Nothing recorded: no commit, so no app was recorded as failed or removed.
    assert head(repo) == before
    status = invoke("backup", "status", "--repo", str(repo))
    assert "failed" not in status.stdout


def test_a_server_that_stops_answering_ends_the_run_after_a_few_exports(
    invoke, signed_in: str, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    repo = tmp_path / "backup"
    before = first_backup(invoke, repo)
    emulator.admin.bulk(DEMO.ACME_DEV, apps=NEW_APPS)
    export_route = emulator.route("export.console_app.dsl")
    emulator.admin.reset_stats()
    # After five exports, every export's connection is dropped without an answer.
    emulator.admin.fault("drop_connection", route=export_route, after=5)

    done = invoke("backup", "run", "--repo", str(repo), "-w", "Acme Dev")

    assert done.exit_code == 1, done.output
    error = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert error == [
        f"error: Dify at {emulator.base_url} stopped answering after 5 export(s) "
        "(connection dropped); nothing more was exported"
    ]
    assert "hint: What was exported before is committed" in done.stderr
    # The run gave up after a few apps' retries, not every app's.
    dropped = emulator.admin.stats()[export_route] - 5
    assert dropped <= (GONE_AFTER + CONCURRENCY - 1) * ATTEMPTS
    # One summary line instead of a line per app never tried.
    said = " ".join(done.stdout.split())
    assert said.count("not exported") == 1
    assert re.search(r"stopped \d+ apps not exported \(first 5: ", said), said
    assert len(done.stdout.splitlines()) < 20
    # The five exported apps are committed; the counts do not call the others exported.
    assert head(repo) != before
    host = emulator.base_url.split("://", 1)[1]
    assert f"{host}  Acme Dev: " in done.stdout and ", 5 exported, 35 failed" in done.stdout


def test_failed_exports_are_not_counted_as_exported(
    invoke, signed_in: str, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    emulator.admin.fault(
        "server_error",
        status=500,
        route=emulator.route("export.console_app.dsl"),
        path_contains=TRIAGE,
    )
    done = invoke("backup", "run", "--repo", str(tmp_path / "backup"), "-w", "Acme Dev")
    assert done.exit_code == 1, done.output
    # The workspace's header names the host as people type it, on the stream of its lines.
    host = emulator.base_url.split("://", 1)[1]
    line = next(x for x in done.stdout.splitlines() if x.startswith(f"{host}  Acme Dev:"))
    listed = int(line.split(": ")[1].split(" ")[0])
    assert line == f"{host}  Acme Dev: {listed} app(s), {listed - 1} exported, 1 failed"
    assert "failed   Support Ticket Triage" in done.stdout
    assert "error: 1 app could not be backed up: Support Ticket Triage" in done.stderr
    # No green tick on a run with a failure.
    assert "✓" not in done.stderr


def test_a_long_wait_for_the_servers_rate_limit_is_said_once(
    invoke, signed_in: str, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    # Two exports answered 429 with Retry-After: 38 (at once, from two workers).
    emulator.admin.fault(
        "rate_limit", route=emulator.route("export.console_app.dsl"), retry_after=38, times=2
    )
    done = invoke("backup", "run", "--repo", str(tmp_path / "backup"), "-w", "Acme Dev")
    assert done.exit_code == 0, done.output
    host = emulator.base_url.split("://", 1)[1]
    waits = [line for line in done.stderr.splitlines() if line.startswith("waiting ")]
    assert waits == [f"waiting 38 s: rate limited by {host} (Retry-After)"], done.stderr
    assert "✓ committed" in done.stderr
