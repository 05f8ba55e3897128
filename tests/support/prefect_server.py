"""A real Prefect server, work pool and workers for tests that deploy difyops as a user does.

    with PrefectServer.start(tmp_path) as server:       # `prefect server start` on a free port
        server.env                                       # environment for `prefect …` subprocesses
        server.api_url                                   # http://127.0.0.1:<port>/api
        server.start_workers("difyops", n=2, cwd=project) # `prefect worker start --pool difyops`
        server.deploy_all(project)                       # `prefect deploy --all` in the project
        state, run_id = server.run("backup/backup-nightly", {"push": False}, timeout=180)
        server.artifacts("dify-backup")                  # newest first, as dicts

Everything runs as subprocesses of the venv's interpreter (`sys.executable -m prefect`), each
in its own process group with a private PREFECT_HOME; leaving the `with` block ends every
process it started (workers, the flow runs they spawned, the server), also on failure.
Reads go through `PrefectClient` pointed at this server explicitly, so the test process's own
Prefect settings (the in-process test harness of the flow tests) are never touched.

`PrefectServer.start` raises `PrefectServerUnavailable` when the server cannot be started
(the caller decides whether that is a skip); any later failure is a plain error.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

__all__ = ["PrefectServer", "PrefectServerUnavailable", "free_port"]

STARTUP_TIMEOUT_SECONDS = 120
STOP_GRACE_SECONDS = 15
FINAL_STATES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})


class PrefectServerUnavailable(RuntimeError):
    """`prefect server start` did not become healthy; the message says why."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    """Direct children of `pid`, from /proc (Linux); empty elsewhere."""
    found: list[int] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …; comm may hold spaces and parentheses
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _descendants(pid: int) -> list[int]:
    result: list[int] = []
    pending = [pid]
    while pending:
        for child in _children(pending.pop()):
            result.append(child)
            pending.append(child)
    return result


def _end_process_tree(process: subprocess.Popen[Any]) -> None:
    """SIGTERM the process's group and every descendant's group (flow runs start their own
    sessions), wait, then SIGKILL whatever is left."""
    victims = [process.pid, *_descendants(process.pid)]
    groups: set[int] = set()
    for pid in victims:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            groups.add(os.getpgid(pid))
    groups.discard(os.getpgrp())  # never the test process's own group
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_GRACE_SECONDS)
    for pid in [*victims, *_descendants(process.pid)]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            groups.add(os.getpgid(pid))
    groups.discard(os.getpgrp())
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_GRACE_SECONDS)


@dataclass
class PrefectServer:
    home: Path
    port: int
    env: dict[str, str]
    log_dir: Path
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _logs: list[Any] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    # lifecycle

    @classmethod
    @contextlib.contextmanager
    def start(
        cls, tmp: Path, *, timeout: float = STARTUP_TIMEOUT_SECONDS
    ) -> Iterator[PrefectServer]:
        tmp = Path(tmp)
        home = tmp / "prefect-home"
        log_dir = tmp / "logs"
        home.mkdir(parents=True, exist_ok=True)
        log_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PREFECT_", "DIFY_", "DIFYOPS_"))
        }
        env.update(
            {
                "PREFECT_HOME": str(home),
                "PREFECT_PROFILES_PATH": str(home / "profiles.toml"),
                "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
                "PREFECT_SERVER_API_HOST": "127.0.0.1",
                "PREFECT_SERVER_API_PORT": str(port),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_SERVER_UI_ENABLED": "false",
                "DO_NOT_TRACK": "1",
                "PREFECT_CLI_PROMPT": "false",
                "PREFECT_CLI_COLORS": "false",
                "PREFECT_CLI_WRAP_LINES": "false",
                # Workers pick scheduled runs up within a second or two, not ten.
                "PREFECT_WORKER_QUERY_SECONDS": "1",
                "PREFECT_WORKER_PREFETCH_SECONDS": "5",
                "PREFECT_WORKER_HEARTBEAT_SECONDS": "5",
                "PREFECT_LOGGING_LEVEL": "INFO",
                "COLUMNS": "200",
            }
        )
        server = cls(home=home, port=port, env=env, log_dir=log_dir)
        try:
            server._spawn(
                "server",
                # No scheduler: the deployments' cron schedules must not start runs of
                # their own while a test drives them by hand.
                ["server", "start", "--no-scheduler", "--no-ui", "--analytics-off"],
            )
            server._wait_healthy(timeout)
            yield server
        finally:
            server.stop()

    def _spawn(
        self,
        name: str,
        args: Sequence[str],
        *,
        cwd: Path | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}-{len(self._processes)}.log").open("wb")
        self._logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", *args],
            cwd=cwd,
            env={**self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._processes.append(process)
        return process

    def _wait_healthy(self, timeout: float) -> None:
        server = self._processes[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise PrefectServerUnavailable(
                    f"prefect server start exited with {server.returncode}: {self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.api_url + "/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.5)
        raise PrefectServerUnavailable(
            f"prefect server start was not healthy after {timeout:.0f} s: {self.log_tail()}"
        )

    def log_tail(self, name: str = "server", chars: int = 2000) -> str:
        texts = []
        for path in sorted(self.log_dir.glob(f"{name}-*.log")):
            texts.append(f"--- {path.name}\n" + path.read_text(errors="replace")[-chars:])
        return "\n".join(texts)

    def stop(self) -> None:
        # Workers (and the flow runs they spawned) first, the server last.
        for process in reversed(self._processes):
            if process.poll() is None or _descendants(process.pid):
                _end_process_tree(process)
        self._processes.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()

    # the CLI

    def cli(
        self,
        *args: str,
        cwd: Path | None = None,
        extra_env: Mapping[str, str] | None = None,
        timeout: float = 180,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """`prefect <args>` against this server; raises with the output when it fails."""
        result = subprocess.run(
            [sys.executable, "-m", "prefect", *args],
            cwd=cwd,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"prefect {' '.join(args)} exited with {result.returncode}:\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return result

    def create_pool(self, pool: str, type: str = "process") -> None:
        self.cli("work-pool", "create", pool, "--type", type, "--overwrite")

    def start_workers(
        self,
        pool: str,
        n: int = 2,
        *,
        cwd: Path | None = None,
        extra_env: Mapping[str, str] | None = None,
        create_pool: bool = True,
    ) -> list[subprocess.Popen[bytes]]:
        """Create the process pool (unless told not to) and start `n` workers polling it."""
        if create_pool:
            self.create_pool(pool)
        return [
            self._spawn(
                f"worker-{pool}-{i}",
                ["worker", "start", "--pool", pool, "--name", f"{pool}-worker-{i}"],
                cwd=cwd,
                extra_env=extra_env,
            )
            for i in range(n)
        ]

    def deploy_all(self, project_dir: Path) -> str:
        """`prefect deploy --all` from the project directory; returns its output."""
        result = self.cli("--no-prompt", "deploy", "--all", cwd=project_dir, timeout=300)
        return result.stdout

    def set_variable(self, name: str, value: str) -> None:
        self.cli("variable", "set", name, value, "--overwrite")

    def save_secret(self, name: str, value: str) -> None:
        """A Secret block; the value travels in the environment, never on a command line."""
        code = (
            "import os\n"
            "from prefect.blocks.system import Secret\n"
            f"Secret(value=os.environ['_SECRET_VALUE']).save({name!r}, overwrite=True)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**self.env, "_SECRET_VALUE": value},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"saving Secret block {name} failed:\n{result.stderr[-2000:]}")

    # the API, through PrefectClient

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        from prefect.client.orchestration import PrefectClient

        async def go() -> Any:
            async with PrefectClient(api=self.api_url) as client:
                return await getattr(client, method)(*args, **kwargs)

        return asyncio.run(go())

    def submit(self, name: str, params: Mapping[str, Any] | None = None) -> UUID:
        """Create a run of deployment `<flow>/<deployment>`; returns the flow run id."""

        async def go() -> UUID:
            from prefect.client.orchestration import PrefectClient

            async with PrefectClient(api=self.api_url) as client:
                deployment = await client.read_deployment_by_name(name)
                run = await client.create_flow_run_from_deployment(
                    deployment.id, parameters=dict(params or {})
                )
                return run.id

        return asyncio.run(go())

    def wait(self, flow_run_id: UUID, timeout: float = 240) -> str:
        """Poll until the run is final; returns its state name (e.g. "Completed")."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.flow_run(flow_run_id)
            if run.state is not None and run.state.type.value in FINAL_STATES:
                return str(run.state.name)
            if time.monotonic() > deadline:
                state = run.state.name if run.state else None
                raise AssertionError(
                    f"flow run {flow_run_id} still {state} after {timeout:.0f} s\n"
                    + self.log_tail("worker")
                )
            time.sleep(1)

    def run(
        self, name: str, params: Mapping[str, Any] | None = None, timeout: float = 240
    ) -> tuple[str, UUID]:
        """Run deployment `<flow>/<deployment>` on the workers and wait for a final state."""
        flow_run_id = self.submit(name, params)
        return self.wait(flow_run_id, timeout), flow_run_id

    def flow_run(self, flow_run_id: UUID) -> Any:
        return self._call("read_flow_run", flow_run_id)

    def flow_runs(self) -> list[Any]:
        return list(self._call("read_flow_runs"))

    def workers(self, pool: str, *, at_least: int = 0, timeout: float = 60) -> list[Any]:
        """The pool's workers, waiting (up to `timeout`) until `at_least` have registered."""
        deadline = time.monotonic() + timeout
        while True:
            found = list(self._call("read_workers_for_work_pool", pool))
            if len(found) >= at_least or time.monotonic() > deadline:
                return found
            time.sleep(1)

    def artifacts(self, key: str | None = None, flow_run_id: UUID | None = None) -> list[Any]:
        """Artifacts (newest first), of one key and/or one flow run."""
        from prefect.client.schemas.filters import (
            ArtifactFilter,
            ArtifactFilterFlowRunId,
            ArtifactFilterKey,
        )
        from prefect.client.schemas.sorting import ArtifactSort

        artifact_filter = ArtifactFilter(
            key=ArtifactFilterKey(any_=[key]) if key else None,
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]) if flow_run_id else None,
        )
        return list(
            self._call(
                "read_artifacts", artifact_filter=artifact_filter, sort=ArtifactSort.CREATED_DESC
            )
        )

    def logs(self, flow_run_id: UUID) -> str:
        from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

        entries = self._call(
            "read_logs", log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
        )
        return "\n".join(entry.message for entry in entries)
