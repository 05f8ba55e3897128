"""Killing `difyops` with SIGKILL at chosen points, for the kill -9 suite.

A cold `difyops` process spends about a second importing; the suite kills dozens of runs,
so each run is a child forked from this (already importing) test process instead: the
child points its stdout and stderr at files, runs the CLI's entry point with the given
arguments and leaves with `os._exit`, so nothing of pytest (fixtures, atexit handlers)
runs in it. The emulator the child talks to is the test process's server, over HTTP on
127.0.0.1, so a kill cuts real connections and leaves real files, as it would in CI.

Kill points are either a count of requests the emulator has seen on one route (polled
through its admin API: "after the 37th export") plus a small delay, or a delay after
such a count (the tail of a run: writing files, `git add`, `git commit`).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tests.support.emulator import EmulatorHandle

__all__ = [
    "Finished",
    "KillPoint",
    "Run",
    "fsck",
    "kill_points",
    "killed_at",
    "requests_on",
    "run_killed",
    "run_to_end",
    "start",
    "tree",
]

POLL_SECONDS = 0.01
# A run that neither ends nor reaches its kill point within this is a hung child.
RUN_TIMEOUT_SECONDS = 60.0
# A point that waits longer than this after its count is moved earlier by its delay.
EARLIER_BY_DELAY = 0.01


@dataclass(frozen=True)
class Finished:
    """A child run that ended: its exit code (or -9 when killed) and its output."""

    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def killed(self) -> bool:
        return self.code == -signal.SIGKILL


@dataclass
class Run:
    """A forked `difyops` child still running."""

    pid: int
    out: Path
    err: Path
    started: float

    ended: Finished | None = None

    def poll(self) -> Finished | None:
        # A child is reaped once: a poll that saw it end keeps what it saw for wait().
        if self.ended is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid != 0:
                self.ended = self._finished(status)
        return self.ended

    def wait(self, timeout: float = RUN_TIMEOUT_SECONDS) -> Finished:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.poll()
            if done is not None:
                return done
            time.sleep(POLL_SECONDS)
        self.kill()
        raise AssertionError(f"difyops did not finish within {timeout:.0f} s (killed it)")

    def kill(self) -> Finished:
        """SIGKILL to the child's whole process group (the `git add` or `git commit` it
        runs too, as when a job's container is killed), then reap: nothing of the run
        goes on after this."""
        if self.ended is not None:
            return self.ended
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        self.ended = self._finished(status)
        return self.ended

    def _finished(self, status: int) -> Finished:
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        return Finished(
            code=code,
            stdout=self.out.read_text(errors="replace"),
            stderr=self.err.read_text(errors="replace"),
            seconds=time.monotonic() - self.started,
        )


def start(argv: Sequence[str], *, env: dict[str, str], logs: Path) -> Run:
    """Fork a child that runs `difyops ARGV` with ENV added to its environment."""
    logs.mkdir(parents=True, exist_ok=True)
    out, err = logs / "stdout.txt", logs / "stderr.txt"
    sys.stdout.flush()
    sys.stderr.flush()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover — the child: never returns into pytest
        _child(list(argv), env, out, err)
    # Both sides set the group, so a kill right after the fork still finds it.
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)
    return Run(pid=pid, out=out, err=err, started=started)


def _child(argv: list[str], env: dict[str, str], out: Path, err: Path) -> None:
    code = 70
    try:
        os.setpgid(0, 0)  # its own process group, so a kill takes its git commands too
        for fd, path in ((1, out), (2, err)):
            opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(opened, fd)
            os.close(opened)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.environ.update(env)
        from difyops.main import app

        try:
            app(args=argv, prog_name="difyops")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def run_to_end(argv: Sequence[str], *, env: dict[str, str], logs: Path) -> Finished:
    return start(argv, env=env, logs=logs).wait()


def requests_on(emulator: EmulatorHandle, routes: Sequence[str]) -> int:
    """How many requests the emulator served on these routes since its counters were reset."""
    counts = emulator.admin.stats()
    return sum(counts.get(route, 0) for route in routes)


@dataclass(frozen=True)
class KillPoint:
    """Kill once `seen()` reached `after`, `delay` seconds later (`seen` counts requests
    on some routes, or says whether a file exists); checked every `poll` seconds."""

    after: int
    delay: float
    label: str
    poll: float = POLL_SECONDS

    def describe(self) -> str:
        return f"{self.label}: after request {self.after}, +{self.delay * 1000:.0f} ms"


def kill_points(
    seed: int,
    *,
    during: int,
    requests: int,
    tail: int = 0,
    tail_seconds: float = 0.0,
    jitter_seconds: float = 0.02,
) -> list[KillPoint]:
    """`during` points spread over the run's `requests` requests (each after a random
    request, with up to `jitter_seconds` more), and `tail` points after the last request,
    spread over the `tail_seconds` a fault-free run spends after it."""
    rng = random.Random(seed)  # deterministic kill points, not for secrets
    points = [
        KillPoint(rng.randint(1, requests), rng.uniform(0.0, jitter_seconds), "during")
        for _ in range(during)
    ]
    points += [KillPoint(requests, rng.uniform(0.0, tail_seconds), "tail") for _ in range(tail)]
    return points


def run_killed(
    argv: Sequence[str],
    *,
    env: dict[str, str],
    logs: Path,
    point: KillPoint,
    seen: Callable[[], int],
) -> Finished:
    """Start `difyops ARGV` and SIGKILL it at `point`; a run that ends first is returned
    as it ended (its code is then not -9)."""
    run = start(argv, env=env, logs=logs)
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while seen() < point.after:
        done = run.poll()
        if done is not None:
            return done
        if time.monotonic() > deadline:
            run.kill()
            raise AssertionError(f"the run never reached {point.describe()}")
        time.sleep(point.poll)
    time.sleep(point.delay)
    return run.kill()


def killed_at(
    point: KillPoint, attempt: Callable[[KillPoint], Finished], *, tries: int = 3
) -> tuple[Finished, KillPoint]:
    """`attempt(point)` (a fresh start and a killed run), again at an earlier point when
    the run ended before its kill point (a busy machine polls late): the point it was
    killed at, and how that run ended."""
    for _ in range(tries - 1):
        run = attempt(point)
        if run.killed:
            return run, point
        if point.delay > EARLIER_BY_DELAY:
            point = replace(point, delay=point.delay / 2)
        elif point.after > 1:
            point = replace(point, after=point.after * 2 // 3, delay=point.delay / 2)
    return attempt(point), point


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


def fsck(repo: Path) -> str:
    """`git fsck --full`'s complaints ("" when the repository is sound)."""
    done = git(repo, "fsck", "--full", "--no-progress")
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        # Dangling objects are what an interrupted `git add` leaves (git collects them);
        # the notices say a repository has no commit yet.
        if line.strip() and not line.startswith(("dangling ", "Checking ", "notice: "))
    ]
    if done.returncode != 0 and not problems:
        problems = [f"git fsck exited {done.returncode}"]
    return "\n".join(problems)


def tree(repo: Path) -> str:
    """The committed tree's id (equal trees: equal files, byte for byte)."""
    done = git(repo, "rev-parse", "HEAD^{tree}")
    return done.stdout.strip() if done.returncode == 0 else f"no commit ({done.stderr.strip()})"
