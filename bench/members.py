"""Benchmark the members planner on a 5,000-member workspace with 50 differences.

Starts the emulator in a subprocess, creates a workspace of 5,000 generated members plus
its owner (`POST /_emulator/bulk`), and writes a manifest that differs from it in 50
places: 20 invitations, 10 promotions, 10 demotions and 10 removals (prune on). Then:

- request counts (`GET /_emulator/stats`, reset with `DELETE /_emulator/stats`) of one
  plan and one apply. Target: the member listing pages at limit=200, one `GET /account`
  (who acts, which workspaces it sees), and exactly one call per change — nothing else;
- planning time (live read + plan, the manifest already loaded) against the time of the
  listing alone, medians over interleaved rounds (alternating which goes first, each
  from a collected heap). Target: ≤ 1.2×;
- after the apply, a fresh plan has no changes.

The manifest's parse time (local, once per run, independent of the server) is printed
for information. Exit 1 when a target is missed.

    .venv/bin/python bench/members.py [--members 5000] [--rounds 9]
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _common import Emulator, median, milliseconds, timed

TARGET_RATIO = 1.2
EMAIL = "owner@bench.example"
LISTING_ROUTE = "GET /workspaces/{workspace_id}/members"
CHANGE_ROUTES = {
    "invite": "POST /workspaces/{workspace_id}/members",
    "role_change": "PUT /workspaces/{workspace_id}/members/{member_id}/role",
    "remove": "DELETE /workspaces/{workspace_id}/members/{member_id}",
}


def seed(emulator: Emulator, members: int) -> str:
    emulator.call("POST", "/reset", {"seed": None})
    emulator.call("POST", "/accounts", {"email": EMAIL, "name": "Bench Owner"})
    workspace = emulator.call("POST", "/workspaces", {"name": "Bench", "owner_email": EMAIL})
    workspace_id = str(workspace["id"])  # type: ignore[index]
    emulator.call("POST", "/bulk", {"workspace_id": workspace_id, "members": members})
    return workspace_id


def manifest_text(live: list[tuple[str, str, str]]) -> tuple[str, dict[str, int]]:
    """A manifest of `live` (email, role, status) with 50 differences, and their counts."""
    normals = [e for e, role, status in live if role == "normal" and status == "active"]
    admins = [e for e, role, status in live if role == "admin" and status == "active"]
    promote, demote, remove = set(normals[:10]), set(admins[:10]), set(normals[10:20])
    rows = []
    for email, role, _ in live:
        if email in remove:
            continue
        wanted = "admin" if email in promote else "normal" if email in demote else role
        rows.append(f"      - email: {email}\n        role: {wanted}\n")
    rows += [f"      - email: new-{n:02d}@bench.example\n        role: normal\n" for n in range(20)]
    text = "version: 1\nworkspaces:\n  - name: Bench\n    prune: true\n    members:\n" + "".join(
        rows
    )
    return text, {"invite": 20, "role_change": len(promote) + len(demote), "remove": len(remove)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="difyops-bench-")
    os.environ.update(
        PREFECT_HOME=f"{home}/prefect",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_LOGGING_LEVEL="ERROR",
        DIFYOPS_CONFIG_DIR=f"{home}/cfg",
    )
    emulator = Emulator()
    try:
        workspace_id = seed(emulator, args.members)
        os.environ.update(DIFY_SERVER=emulator.base_url, DIFY_TOKEN=emulator.token(EMAIL))
        return run(args, Path(home), workspace_id, emulator)
    finally:
        emulator.stop()


def run(args: argparse.Namespace, home: Path, workspace_id: str, emulator: Emulator) -> int:
    from dify_client import DifyClient
    from reconcile.members import PlanOverrides
    from tasks.members import (
        MembersSyncSettings,
        apply_members_sync,
        plan_manifest,
        read_manifest,
    )
    from tasks.sources import Source

    server, token = os.environ["DIFY_SERVER"], os.environ["DIFY_TOKEN"]

    def listing() -> list[object]:
        with DifyClient(server, token) as client:
            return list(client.members.list(workspace_id, limit=200))

    live = [(m.email, m.role, m.status) for m in listing()]  # type: ignore[attr-defined]
    pages = math.ceil(len(live) / 200)
    text, expected = manifest_text(live)
    path = home / "members.yml"
    path.write_text(text, encoding="utf-8")
    # Rate limiting off: the emulator does not limit, and pacing would time the limiter.
    settings = MembersSyncSettings(manifest=str(path), overrides=PlanOverrides(), rate_limit=None)
    parse_seconds = timed(lambda: read_manifest(str(path)))
    manifest = read_manifest(str(path))
    source = Source()

    def planning() -> object:
        return plan_manifest(manifest, settings, source)

    list_median, plan_median = time_rounds(listing, planning, args.rounds)

    emulator.reset_stats()
    plan_set = plan_manifest(manifest, settings, source)
    plan_counts = emulator.stats()
    emulator.reset_stats()
    applied = apply_members_sync.fn(plan_set, source, None)
    apply_counts = emulator.stats()
    after = plan_manifest(read_manifest(str(path)), settings, source)

    (plan,) = plan_set.plans
    planned = {action: plan.count(action) for action in CHANGE_ROUTES}  # type: ignore[arg-type]
    ratio = plan_median / list_median
    print(f"workspace: {len(live)} members ({args.members} generated + owner), {pages} pages")
    print(f"manifest: {len(manifest.workspaces[0].members)} members, {len(plan.changes)} changes")
    print(f"  planned: {planned}")
    print(f"requests of one plan:  {dict(sorted(plan_counts.items()))}")
    print(f"requests of one apply: {dict(sorted(apply_counts.items()))}")
    print(f"apply: {applied.summary()}; a fresh plan afterwards: {after.plans[0].summary()}")
    print(
        f"listing alone: {milliseconds(list_median)}, planning (live read + plan): "
        f"{milliseconds(plan_median)} — ratio {ratio:.2f}x (target ≤ {TARGET_RATIO}x, "
        f"medians of {args.rounds} rounds)"
    )
    print(f"manifest parse (local, once per run): {milliseconds(parse_seconds)}")

    misses = missed_targets(
        planned=planned,
        expected=expected,
        plan_counts=plan_counts,
        apply_counts=apply_counts,
        pages=pages,
        converged=applied.ok and not after.has_changes,
        ratio=ratio,
    )
    for miss in misses:
        print(f"MISSED: {miss}")
    print("targets met" if not misses else "targets missed")
    return 1 if misses else 0


def missed_targets(
    *,
    planned: dict[str, int],
    expected: dict[str, int],
    plan_counts: dict[str, int],
    apply_counts: dict[str, int],
    pages: int,
    converged: bool,
    ratio: float,
) -> list[str]:
    misses = []
    if planned != expected:
        misses.append(f"the plan found {planned}, expected {expected}")
    wanted_plan = {"GET /account": 1, LISTING_ROUTE: pages}
    if plan_counts != wanted_plan:
        misses.append(f"plan requests {plan_counts}, expected {wanted_plan}")
    wanted_apply = {CHANGE_ROUTES[action]: count for action, count in expected.items()}
    if apply_counts != wanted_apply:
        misses.append(f"apply requests {apply_counts}, expected {wanted_apply}")
    if not converged:
        misses.append("the apply failed or left changes behind")
    if ratio > TARGET_RATIO:
        misses.append(f"planning took {ratio:.2f}x the listing")
    return misses


def time_rounds(
    listing: Callable[[], object], planning: Callable[[], object], rounds: int
) -> tuple[float, float]:
    """Median seconds of (listing, planning) over interleaved rounds."""
    listing(), planning()  # warm up connections and imports
    list_times: list[float] = []
    plan_times: list[float] = []
    for round_number in range(rounds):
        # Alternate which goes first, and start each from a collected heap, so neither
        # pays for the other's garbage or for a warmer server.
        steps = [(listing, list_times), (planning, plan_times)]
        for action, times in steps if round_number % 2 == 0 else reversed(steps):
            gc.collect()
            times.append(timed(action))
    return median(list_times), median(plan_times)


if __name__ == "__main__":
    sys.exit(main())
