"""`difyops backup run` on a repository another backup is writing: it waits for it, and
says so, instead of looking hung (issue 14, concurrency)."""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitstore import GitStore
from tests.support.emulator import EmulatorHandle

# A bound on how long the run may take to reach the lock, never a measured duration.
REACH_LOCK_SECONDS = 60.0


def _read_line(process: subprocess.Popen[str], deadline: float) -> str | None:
    """The next stderr line, or None when the process ended or the deadline passed."""
    assert process.stderr is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=0.1):
                line = process.stderr.readline()
                return line or None
    return None


@pytest.mark.generations("s2")
def test_a_backup_waiting_for_another_says_so_in_one_line_then_completes(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    repo = tmp_path / "backup"
    env = {
        **os.environ,
        "DIFY_SERVER": emulator.base_url,
        "DIFY_TOKEN": emulator.admin.token("ada@acme.example"),
    }
    command = [sys.executable, "-m", "difyops", "backup", "run", "--repo", str(repo)]
    with GitStore.open(repo) as other_job:
        other_job.lock()
        process = subprocess.Popen(
            [*command, "-w", "Acme Dev"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            seen: list[str] = []
            deadline = time.monotonic() + REACH_LOCK_SECONDS
            while (line := _read_line(process, deadline)) is not None:
                seen.append(line)
                if "is running" in line:
                    break
            assert process.poll() is None, "".join(seen)  # still waiting, not failed
        finally:
            other_job.unlock()
        _, rest = process.communicate(timeout=REACH_LOCK_SECONDS)
    stderr = "".join(seen) + rest
    assert process.returncode == 0, stderr
    waiting = [line for line in stderr.splitlines() if "is running" in line]
    assert waiting == [f"another backup of {repo} is running; waiting up to 900 s"]
    assert stderr.index(waiting[0]) < stderr.index("committed ")
