"""Timing helpers shared by the benchmark scripts (not a test module)."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"


def isolated_home() -> Path:
    """A fresh temporary home for Prefect and difyops settings, set in the environment
    before anything imports Prefect (no analytics, no network, quiet logs)."""
    home = Path(tempfile.mkdtemp(prefix="difyops-bench-"))
    os.environ.update(
        PREFECT_HOME=str(home / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_LOGGING_LEVEL="ERROR",
        DIFYOPS_CONFIG_DIR=str(home / "cfg"),
    )
    return home


def timed(action: Callable[[], object]) -> float:
    """Seconds one call of `action` takes (perf_counter)."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


class Emulator:
    """The bundled emulator in a subprocess (as users run it), with its operator API."""

    ADMIN_TOKEN = "bench-admin-token"

    def __init__(self, *args: str) -> None:
        import subprocess
        import sys

        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "emulator",
                "serve",
                "--port",
                "0",
                "--admin-token",
                self.ADMIN_TOKEN,
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._process.stdout is not None
        self.base_url = self._process.stdout.readline().strip()
        if not self.base_url.startswith("http"):
            self.stop()
            raise RuntimeError("the emulator did not start")
        import httpx

        self.admin = httpx.Client(
            base_url=self.base_url + "/_emulator",
            headers={"Authorization": f"Bearer {self.ADMIN_TOKEN}"},
            timeout=120,
        )

    def call(self, method: str, path: str, body: object = None) -> object:
        response = self.admin.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def token(self, email: str) -> str:
        return str(self.call("POST", "/tokens", {"email": email})["token"])  # type: ignore[index]

    def stats(self) -> dict[str, int]:
        return dict(self.call("GET", "/stats")["requests"])  # type: ignore[index]

    def reset_stats(self) -> None:
        self.call("DELETE", "/stats")

    def stop(self) -> None:
        if hasattr(self, "admin"):
            self.admin.close()
        self._process.terminate()
        self._process.wait(timeout=10)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
