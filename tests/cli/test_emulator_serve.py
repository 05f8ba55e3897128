"""`difyops emulator serve` as a user runs it: a process that a SIGTERM stops, emulator and
all (issue 13: the emulator used to keep listening after its parent was terminated)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

REPO = Path(__file__).resolve().parents[2]
GENEROUS_WAIT_SECONDS = 30


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_to_the_command_stops_the_emulator(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIFY_", "DIFYOPS_"))}
    env["PYTHONPATH"] = str(REPO)
    process = subprocess.Popen(
        [sys.executable, "-m", "difyops", "emulator", "serve", "--port", "0", "--seed", "demo"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so the cleanup below can end the whole group
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        port = urlsplit(base_url).port
        assert port is not None
        assert httpx.get(base_url + "/openapi/v1/_health", timeout=5).json() == {"ok": True}

        process.send_signal(signal.SIGTERM)  # to the command's PID only, as systemd would
        process.wait(timeout=GENEROUS_WAIT_SECONDS)
        deadline = time.monotonic() + GENEROUS_WAIT_SECONDS
        while _port_open(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _port_open(port), "the emulator still listens after the command stopped"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the command or an orphaned emulator
        process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
