"""A fork server for the hostile-input suite: the real CLI, one forked process per input.

Starting `difyops` cold costs a second or more per input (Typer, pydantic, httpx, Prefect's
flows); forking a process that imported all of that once costs milliseconds. Each input runs
in its own child, so a crash, a runaway allocation or a stack overflow takes down that
child only, and the child's own resource usage (`os.wait4`) is the input's max RSS. The
child runs under an address-space limit (`RLIMIT_AS`): an input that made the CLI allocate
without bound ends in a `MemoryError` (reported as a crash) instead of eating the machine.

The server is single-threaded (no emulator in it: that runs in the test process and is
reached over HTTP), so forking it is safe. It speaks JSON lines on stdin/stdout:

    request  {"args": [...], "env": {...}, "cwd": "...", "headroom": bytes}
    answer   {"code": int, "stdout": str, "stderr": str, "max_rss_kib": int}

`code` is the exit code, or minus the signal number that killed the child.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]
# Exit code of a child whose CLI let an exception escape (the traceback is on its stderr).
ESCAPED = 70
# Output kept of each stream: one line and a hint are short; megabytes would be a finding.
KEEP = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    max_rss_kib: int

    @property
    def max_rss_mib(self) -> float:
        return self.max_rss_kib / 1024


class ForkServer:
    """The server process, started with `env`; `run()` one CLI invocation in a fresh fork."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability._hostile_support"],
            cwd=REPO_ROOT,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._read()
        self.baseline_rss_kib = int(ready["max_rss_kib"])

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        headroom: int = 1024 * 1024 * 1024,
    ) -> Outcome:
        request = {
            "args": list(args),
            "env": dict(env or {}),
            "cwd": os.fspath(cwd) if cwd else None,
            "headroom": headroom,
        }
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        answer = self._read()
        return Outcome(
            code=int(answer["code"]),
            stdout=str(answer["stdout"]),
            stderr=str(answer["stderr"]),
            max_rss_kib=int(answer["max_rss_kib"]),
        )

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError("the hostile-input fork server stopped")
        answer: dict[str, Any] = json.loads(line)
        return answer


# -- the server side (runs in the subprocess) ------------------------------------------


def _serve(channel: IO[str], requests: IO[str]) -> None:
    import resource

    # Everything any input's command imports, once, before the first fork.
    import difyops.main  # noqa: F401
    import flows.promote
    import flows.sync_members  # noqa: F401

    def answer(payload: dict[str, Any]) -> None:
        channel.write(json.dumps(payload) + "\n")
        channel.flush()

    answer({"max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})
    for line in requests:
        request = json.loads(line)
        with tempfile.TemporaryDirectory(prefix="hostile-") as scratch:
            out_path, err_path = Path(scratch, "out"), Path(scratch, "err")
            pid = os.fork()
            if pid == 0:  # pragma: no cover — the child ends in os._exit
                _child(request, out_path, err_path)
            _, status, usage = os.wait4(pid, 0)
            answer(
                {
                    "code": os.waitstatus_to_exitcode(status),
                    "stdout": _kept(out_path),
                    "stderr": _kept(err_path),
                    "max_rss_kib": usage.ru_maxrss,
                }
            )


def _child(request: dict[str, Any], out_path: Path, err_path: Path) -> None:
    import resource
    import traceback

    code = ESCAPED
    try:
        limit = _address_space() + int(request["headroom"])
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, out_path), (2, err_path)):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
        os.environ.update(request["env"])
        if request["cwd"]:
            os.chdir(request["cwd"])
        from difyops.main import app

        try:
            app(request["args"], prog_name="difyops")
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = ESCAPED
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
        os._exit(code)


def _address_space() -> int:
    """The process's current virtual size in bytes (VmSize), the base of its limit."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def _kept(path: Path) -> str:
    with path.open("rb") as stream:
        data = stream.read(KEEP + 1)
    text = data[:KEEP].decode("utf-8", errors="replace")
    return text + ("\n[… more output]" if len(data) > KEEP else "")


if __name__ == "__main__":
    _serve(sys.stdout, sys.stdin)
