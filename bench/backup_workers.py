"""Benchmark the fanned-out backup on one worker against two (issue 13, scale-out).

Seeds the emulator with 3,000 apps in 30 workspaces (rate limiting off), adds a fixed
25 ms latency to every API answer (a Dify server some way off), starts a real Prefect
server (`prefect server start`), deploys `backup-group` from prefect.yaml in a copy of the
project, and then, in one run, backs the whole server up into a fresh repository each time:

By default each run exports every app again (`full`) into a copy of a repository that
already holds the backup; `--fresh` measures first backups into empty repositories.

(base) the `backup-fanout` flow in two groups with ONE process worker taking the groups
       (each worker takes one flow run at a time: `--limit 1`), so they run one after the
       other — the baseline;
(two)  the same with TWO workers, so the groups run at once;
(ref)  the plain `backup` flow in one run, for reference.

The parent flow runs in this process against the server (it only orchestrates: listing,
preparing, grouping, committing); the groups run on the workers. Prints medians over the
rounds as ratios to the baseline measured in the same run, with absolute seconds, and
checks that every run committed once with every app. Target: two workers ≤ 0.75× one.

    PYTHONPATH=$PWD .venv/bin/python bench/backup_workers.py [--apps 3000] [--workspaces 30]
        [--rounds 2] [--latency-ms 25] [--concurrency 4] [--fresh]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import Emulator, isolated_home, median

TARGET = 0.75
EMAIL = "bench@bench.example"
POOL = "difyops"
ROOT = Path(__file__).resolve().parents[1]
# The lock change (the run holds the repository's lock; `backup_workspace` no longer takes
# it) may not be merged yet: without it, two groups writing at once refuse each other.
_OWN_LOCK = "        store.lock()\n        result.directory, recorded = _find_workspace("


def seed(emulator: Emulator, apps: int, workspaces: int) -> None:
    emulator.call("POST", "/reset", {"seed": None})
    emulator.call("POST", "/accounts", {"email": EMAIL, "name": "Bench"})
    for n in range(workspaces):
        body = {"name": f"Bench {n + 1:02d}", "owner_email": EMAIL}
        workspace = emulator.call("POST", "/workspaces", body)
        share = apps // workspaces + (1 if n < apps % workspaces else 0)
        emulator.call("POST", "/bulk", {"workspace_id": workspace["id"], "apps": share})  # type: ignore[index]


def copy_project(destination: Path) -> bool:
    """The worktree's files as git sees them; True when the copy's `backup_workspace` had
    to be relieved of its own lock (see _OWN_LOCK)."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    steps = destination / "tasks" / "backup" / "steps.py"
    text = steps.read_text()
    if _OWN_LOCK not in text:
        return False
    steps.write_text(text.replace(_OWN_LOCK, _OWN_LOCK.replace("store.lock()\n        ", "")))
    return True


def seed_repository(repo: Path, args: argparse.Namespace) -> Path:
    """A backup of every workspace, made ten workspaces per commit (see the docstring), by
    the plain steps and before the latency fault is on."""
    from flows.backup import run_backup
    from jobs import BackupSettings, Source

    names = [f"Bench {n + 1:02d}" for n in range(args.workspaces)]
    settings = BackupSettings(repo=str(repo), rate_limit=None, concurrency=args.concurrency)
    for start in range(0, len(names), 10):
        run_backup(settings, [Source(workspaces=names[start : start + 10])])
    return repo


def tracked(repo: Path) -> int:
    out = subprocess.run(
        ["git", "-C", str(repo), "ls-files"], capture_output=True, text=True, check=True
    )
    return len(out.stdout.splitlines())


def commits(repo: Path) -> int:
    out = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--count", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=3000)
    parser.add_argument("--workspaces", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--latency-ms", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--poll", type=float, default=1.0, help="parent's poll interval, s")
    parser.add_argument("--fresh", action="store_true", help="first backups, empty repos")
    args = parser.parse_args()

    home = isolated_home()
    from tests.support.prefect_server import PrefectServer

    emulator = Emulator()
    try:
        seed(emulator, args.apps, args.workspaces)
        token = emulator.token(EMAIL)
        project = home / "project"
        relieved = copy_project(project)
        with PrefectServer.start(home / "server") as server:
            # This process runs the parent flows against the real server: set before
            # anything imports Prefect.
            os.environ.update(
                PREFECT_API_URL=server.api_url, DIFY_SERVER=emulator.base_url, DIFY_TOKEN=token
            )
            seeded = None if args.fresh else seed_repository(home / "seeded", args)
            latency = {"scenario": "latency", "latency_ms": args.latency_ms}
            emulator.call("POST", "/faults", latency)
            worker_env = {
                "PYTHONPATH": str(project),
                "DIFY_SERVER": emulator.base_url,
                "DIFY_TOKEN": token,
                "DIFYOPS_CONFIG_DIR": str(home / "cfg"),
                "PREFECT_LOGGING_LEVEL": "WARNING",
            }
            server.create_pool(POOL)
            server.set_variable("difyops_backup_repo", str(home / "unused"))
            server.cli("--no-prompt", "deploy", "-n", "backup-group", cwd=project)
            bench = Bench(args, home, server, project, worker_env, seeded)
            return bench.measure(relieved)
    finally:
        emulator.stop()


class Bench:
    def __init__(  # type: ignore[no-untyped-def]
        self,
        args: argparse.Namespace,
        home: Path,
        server,
        project: Path,
        env: dict[str, str],
        seeded: Path | None,
    ) -> None:
        self.seeded = seeded
        self.args = args
        self.home = home
        self.server = server
        self.project = project
        self.env = env
        self.workers: list[Any] = []
        self.runs = 0
        self.children: list[list[tuple[float, float]]] = []

    def set_workers(self, n: int) -> None:
        from tests.support.prefect_server import _end_process_tree

        while len(self.workers) > n:
            _end_process_tree(self.workers.pop())
        while len(self.workers) < n:
            name = f"bench-worker-{len(self.workers) + 1}"
            self.workers.append(
                self.server._spawn(
                    name,
                    ["worker", "start", "--pool", POOL, "--name", name, "--limit", "1"],
                    cwd=self.project,
                    extra_env=self.env,
                )
            )
        self.server.workers(POOL, at_least=n)
        time.sleep(2)  # the new worker's first poll

    def fanout(self, *, warm_up: bool = False) -> float:
        from flows.backup_fanout import backup_fanout_flow

        repo = self.new_repo()
        # The warm-up backs up one workspace: imports, server caches, a first group run.
        only = {"workspaces": ["Bench 01"]} if warm_up else {}
        since = datetime.now(UTC)
        start = time.perf_counter()
        summary = asyncio.run(
            backup_fanout_flow(
                repo=str(repo),
                rate_limit=None,
                concurrency=self.args.concurrency,
                groups=2,
                poll_interval=self.args.poll,
                full=self.seeded is not None,
                **only,  # type: ignore[arg-type]
            )
        )
        elapsed = time.perf_counter() - start
        assert summary["ran_as"] == "deployments", summary["ran_as"]
        if warm_up:
            return elapsed
        self.check(repo)
        self.children.append(self.child_times(since))
        return elapsed

    def child_times(self, since: datetime) -> list[tuple[float, float]]:
        """(created → running, running → done) in seconds, per group run, as the server
        recorded them: the first part is waiting for a worker and starting the process."""
        runs = [
            r
            for r in self.server.flow_runs()
            if r.name.startswith("backup-group-") and r.created and r.created >= since
        ]
        return [
            (
                (r.start_time - r.created).total_seconds(),
                (r.end_time - r.start_time).total_seconds(),
            )
            for r in sorted(runs, key=lambda r: r.name)
            if r.start_time and r.end_time
        ]

    def plain(self) -> float:
        from flows.backup import backup_flow

        repo = self.new_repo()
        start = time.perf_counter()
        asyncio.run(
            backup_flow(
                repo=str(repo),
                rate_limit=None,
                concurrency=self.args.concurrency,
                full=self.seeded is not None,
            )
        )
        elapsed = time.perf_counter() - start
        self.check(repo)
        return elapsed

    def new_repo(self) -> Path:
        self.runs += 1
        repo = self.home / f"repo-{self.runs}"
        if self.seeded:
            shutil.copytree(self.seeded, repo, symlinks=True)
        return repo

    def check(self, repo: Path) -> None:
        files = tracked(repo)
        expected = self.args.apps + self.args.workspaces  # one file per app, one index each
        made = 1 if self.seeded is None else commits(self.seeded)
        if commits(repo) not in (made, made + 1) or files != expected:
            raise SystemExit(f"{repo}: {commits(repo)} commits, {files} files (not {expected})")

    def measure(self, relieved: bool) -> int:
        args = self.args
        one, two, ref = [], [], []
        self.set_workers(1)
        self.fanout(warm_up=True)
        for _ in range(args.rounds):
            self.set_workers(1)
            one.append(self.fanout())
            self.set_workers(2)
            two.append(self.fanout())
            ref.append(self.plain())
        base = median(one)
        what = "first backups" if self.seeded is None else "full re-exports of a backed-up repo"
        print(
            f"{what}: {args.apps} apps in {args.workspaces} workspaces, "
            f"{args.latency_ms} ms latency, "
            f"rate limit off, concurrency {args.concurrency} per group, 2 groups, "
            f"{args.rounds} round(s) (medians); parent polls every {args.poll:g} s"
        )
        print(f"(base) fan-out, 1 worker:   {base:7.1f} s   1.00x")
        print(f"(two)  fan-out, 2 workers:  {median(two):7.1f} s   {median(two) / base:.2f}x")
        print(f"(ref)  plain backup flow:   {median(ref):7.1f} s   {median(ref) / base:.2f}x")
        print(f"       rounds: 1 worker {fmt(one)}; 2 workers {fmt(two)}; plain {fmt(ref)}")
        for label, runs in (("1 worker", self.children[0::2]), ("2 workers", self.children[1::2])):
            waits = [w for groups in runs for w, _ in groups]
            ran = [r for groups in runs for _, r in groups]
            print(
                f"       group runs, {label}: created → running {fmt(waits)}; "
                f"running → done {fmt(ran)}"
            )
        if relieved:
            print(
                "NOTE: measured on a copy whose backup_workspace does not take the repository "
                "lock itself (the pending lock change); the parent holds no lock yet"
            )
        ok = median(two) / base <= TARGET
        print("target met" if ok else f"TARGET MISSED (≤ {TARGET}x)")
        return 0 if ok else 1


def fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values) + " s"


if __name__ == "__main__":
    sys.exit(main())
