"""Benchmark the backup job against the simplest script that does the same work.

Seeds the emulator with 300 apps of mixed sizes (rate limit off), then, in one run:

(a) a full backup through the real Prefect flow (`flows.backup.backup_flow`, against an
    already running test Prefect server) versus a baseline script that lists the apps and
    exports them with plain httpx at the same concurrency, writes the files and commits
    with the git CLI;
(b) a rerun with nothing changed versus the baseline's listing calls alone.

Prints both ratios (medians over rounds; the machine is noisy), the emulator's request
counts per route, and the peak memory of this process, which ran the flow.
Targets: (a) ≤ 1.5×, (b) ≤ 1.5× with zero exports and zero new commits. Exit 1 on a miss.

    .venv/bin/python bench/backup.py [--apps 300] [--rounds 3] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from _common import Emulator, isolated_home, median, milliseconds, peak_rss_mib, timed

TARGET = 1.5
EMAIL = "bench@bench.example"


def seed(emulator: Emulator, apps: int) -> str:
    emulator.call("POST", "/reset", {"seed": None})
    emulator.call("POST", "/accounts", {"email": EMAIL, "name": "Bench"})
    workspace = emulator.call("POST", "/workspaces", {"name": "Bench", "owner_email": EMAIL})
    workspace_id = str(workspace["id"])  # type: ignore[index]
    emulator.call("POST", "/bulk", {"workspace_id": workspace_id, "apps": apps})
    return workspace_id


class Baseline:
    """What a careful person would write without difyops."""

    def __init__(self, api_url: str, token: str, workspace_id: str, concurrency: int) -> None:
        self.http = httpx.Client(
            base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        self.workspace_id = workspace_id
        self.concurrency = concurrency

    def listing(self) -> list[dict[str, object]]:
        self.http.get("/workspaces").raise_for_status()
        rows: list[dict[str, object]] = []
        page = 1
        while True:
            body = self.http.get(
                "/apps", params={"workspace_id": self.workspace_id, "limit": 200, "page": page}
            ).json()
            rows += body["data"]
            if not body["has_more"]:
                return rows
            page += 1

    def full(self, repo: Path) -> None:
        rows = self.listing()
        repo.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)

        def export(row: dict[str, object]) -> None:
            data = self.http.get(f"/apps/{row['id']}/export").json()["data"]
            (repo / f"{row['id']}.yml").write_text(data, encoding="utf-8")

        with ThreadPoolExecutor(self.concurrency) as pool:
            list(pool.map(export, rows))
        git = ["git", "-C", str(repo), "-c", "user.name=b", "-c", "user.email=b@b"]
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-qm", "backup"], check=True)


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
    parser.add_argument("--apps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    home = isolated_home()
    from prefect.testing.utilities import prefect_test_harness

    from flows.backup import backup_flow

    emulator = Emulator()
    try:
        workspace_id = seed(emulator, args.apps)
        token = emulator.token(EMAIL)
        os.environ.update(DIFY_SERVER=emulator.base_url, DIFY_TOKEN=token)
        baseline = Baseline(
            emulator.base_url + "/openapi/v1", token, workspace_id, args.concurrency
        )
        with prefect_test_harness(server_startup_timeout=180):
            return run_rounds(args, home, baseline, emulator, backup_flow)
    finally:
        emulator.stop()


# One measurement, read top to bottom: the rounds interleave the flow and its baselines
# so machine noise falls on both alike.
def run_rounds(args, home, baseline, emulator, backup_flow) -> int:  # type: ignore[no-untyped-def]
    from prefect import flow as prefect_flow
    from prefect import task

    from flows.backup import run_backup
    from jobs import BackupSettings, Source

    def flow(repo: Path) -> None:
        asyncio.run(backup_flow(repo=str(repo), rate_limit=None, concurrency=args.concurrency))

    def runner(repo: Path) -> None:
        settings = BackupSettings(repo=str(repo), rate_limit=None, concurrency=args.concurrency)
        run_backup(settings, [Source()])

    # What any flow run with a task costs on this machine, whatever it does: Prefect's
    # fixed price, shown so that (b) can be read.
    @task
    def nothing() -> None:
        return None

    @prefect_flow
    async def empty_flow() -> None:
        nothing()

    flow(Path(home) / "warm-up")  # first flow run pays for imports and server caches
    asyncio.run(empty_flow())
    full_flow, full_base, rerun_flow, rerun_base, rerun_runner, empty = [], [], [], [], [], []
    counts: dict[str, int] = {}
    for n in range(args.rounds):
        ours, theirs = Path(home) / f"ours-{n}", Path(home) / f"base-{n}"
        full_base.append(timed(lambda theirs=theirs: baseline.full(theirs)))
        emulator.reset_stats()
        full_flow.append(timed(lambda ours=ours: flow(ours)))
        full_counts = emulator.stats()
        before = commits(ours)
        emulator.reset_stats()
        rerun_flow.append(timed(lambda ours=ours: flow(ours)))
        counts = emulator.stats()
        rerun_base.append(timed(baseline.listing))
        rerun_runner.append(timed(lambda ours=ours: runner(ours)))
        empty.append(timed(lambda: asyncio.run(empty_flow())))
        if counts.get("GET /apps/{app_id}/export", 0) or commits(ours) != before:
            print(f"rerun did work it should not have: {counts}, commits {before}→{commits(ours)}")
            return 1
    ratio_full = median(full_flow) / median(full_base)
    ratio_rerun = median(rerun_flow) / median(rerun_base)
    print(f"{args.apps} apps, concurrency {args.concurrency}, {args.rounds} rounds (medians)")
    print(
        f"(a) full backup: flow {milliseconds(median(full_flow))} vs baseline "
        f"{milliseconds(median(full_base))} → ratio {ratio_full:.2f}x (target ≤ {TARGET}x)"
    )
    print(f"    requests: {full_counts}")
    print(
        f"(b) no-change rerun: flow {milliseconds(median(rerun_flow))} vs listing alone "
        f"{milliseconds(median(rerun_base))} → ratio {ratio_rerun:.2f}x (target ≤ {TARGET}x)"
    )
    print(f"    requests: {counts}; exports 0, new commits 0")
    print(
        f"    of which Prefect's fixed cost (an empty flow with one task): "
        f"{milliseconds(median(empty))}; the same rerun without Prefect (what the CLI runs): "
        f"{milliseconds(median(rerun_runner))} → {median(rerun_runner) / median(rerun_base):.2f}x"
    )
    print(f"peak memory of the flow process: {peak_rss_mib():.0f} MiB")
    ok = ratio_full <= TARGET and ratio_rerun <= TARGET
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
