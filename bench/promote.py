"""Benchmark a promotion against the calls it cannot avoid.

Seeds the emulator with 100 apps in a source workspace and the same 100 in a target
workspace, then changes 5 of them in the source. Each round, our promotion (plan and apply
in one run, as `difyops promote apply` does) is timed against a baseline script making only
the unavoidable calls with plain httpx: list both sides, export both sides, import the 5
changed apps, export those 5 again to verify. Both get 5 fresh changes per round.

Prints the emulator's request counts per route for our run and the wall-time ratio (median
over rounds; the machine is noisy). Targets: no calls beyond the baseline's except the
documented per-changed-app snapshot and dependency check, and a ratio ≤ 1.5. Exit 1 on a
miss.

    .venv/bin/python bench/promote.py [--apps 100] [--changed 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import yaml
from _common import Emulator, isolated_home, median, milliseconds, timed

TARGET = 1.5
EMAIL = "bench@bench.example"
EXPORT = "GET /apps/{app_id}/export"
IMPORT = "POST /workspaces/{workspace_id}/apps/imports"
CHECK = "GET /apps/{app_id}/check-dependencies"


class Api:
    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base_url + "/openapi/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )

    def apps(self, workspace_id: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.http.get(
                "/apps", params={"workspace_id": workspace_id, "limit": 200, "page": page}
            ).json()
            rows += body["data"]
            if not body["has_more"]:
                return rows
            page += 1

    def export(self, app_id: str) -> str:
        return str(self.http.get(f"/apps/{app_id}/export").json()["data"])

    def import_(self, workspace_id: str, text: str, app_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"mode": "yaml-content", "yaml_content": text}
        if app_id:
            body["app_id"] = app_id
        answer = self.http.post(f"/workspaces/{workspace_id}/apps/imports", json=body)
        return dict(answer.json())


def seed(emulator: Emulator, apps: int) -> tuple[str, str, str]:
    emulator.call("POST", "/reset", {"seed": None})
    emulator.call("POST", "/accounts", {"email": EMAIL, "name": "Bench"})
    source = emulator.call("POST", "/workspaces", {"name": "Source", "owner_email": EMAIL})
    target = emulator.call("POST", "/workspaces", {"name": "Target", "owner_email": EMAIL})
    source_id, target_id = str(source["id"]), str(target["id"])  # type: ignore[index]
    emulator.call("POST", "/bulk", {"workspace_id": source_id, "apps": apps})
    token = emulator.token(EMAIL)
    api = Api(emulator.base_url, token)
    for row in api.apps(source_id):  # the same apps in the target, by import
        api.import_(target_id, api.export(row["id"]))
    return source_id, target_id, token


def change(emulator: Emulator, api: Api, app_ids: list[str], tag: str) -> None:
    """Edit apps in the source the way a person in the console would."""
    for app_id in app_ids:
        data = yaml.safe_load(api.export(app_id))
        data["workflow"]["graph"]["nodes"][-1]["data"]["title"] = f"changed {tag}"
        emulator.call("PATCH", f"/apps/{app_id}", {"yaml": yaml.safe_dump(data)})


def baseline(api: Api, source_id: str, target_id: str, changed_names: set[str]) -> None:
    """Only the unavoidable calls: list and export both sides, import and re-export 5."""
    source_rows, target_rows = api.apps(source_id), api.apps(target_id)
    with ThreadPoolExecutor(4) as pool:
        source_texts = dict(
            zip(
                [r["name"] for r in source_rows],
                pool.map(api.export, [r["id"] for r in source_rows]),
                strict=True,
            )
        )
        list(pool.map(api.export, [r["id"] for r in target_rows]))
    by_name = {r["name"]: r["id"] for r in target_rows}
    for name in sorted(changed_names):
        result = api.import_(target_id, source_texts[name], by_name[name])
        api.export(result["app_id"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--changed", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    isolated_home()
    from flows.promote import run_apply
    from jobs import PromotionRequest, WorkspaceSide
    from reconcile.promotion.planner import Selection

    emulator = Emulator()
    try:
        source_id, target_id, token = seed(emulator, args.apps)
        os.environ.update(DIFY_SERVER=emulator.base_url, DIFY_TOKEN=token)
        api = Api(emulator.base_url, token)
        # Apps Dify can overwrite (workflow, chatflow), spread over the sizes.
        rows = sorted(
            (r for r in api.apps(source_id) if r["mode"] in ("workflow", "advanced-chat")),
            key=lambda r: r["name"],
        )
        step = max(len(rows) // args.changed, 1)
        picked = rows[::step][: args.changed]
        request = PromotionRequest(
            source=WorkspaceSide(workspace=source_id),
            target=WorkspaceSide(workspace=target_id),
            selection=Selection(),
            rate_limit=None,
        )
        ours, theirs, counts = [], [], {}
        for n in range(args.rounds):
            change(emulator, api, [r["id"] for r in picked], f"ours {n}")
            emulator.reset_stats()
            started = time.perf_counter()
            _, outcome = run_apply(request)
            ours.append(time.perf_counter() - started)
            counts = emulator.stats()
            applied = sum(1 for a in outcome.apps if a.outcome.value == "applied")
            if applied != args.changed:
                print(f"expected {args.changed} applied apps, got {applied}: {outcome.summary()}")
                return 1
            change(emulator, api, [r["id"] for r in picked], f"baseline {n}")
            theirs.append(
                timed(lambda: baseline(api, source_id, target_id, {r["name"] for r in picked}))
            )
        return report(args, ours, theirs, counts)
    finally:
        emulator.stop()


def report(
    args: argparse.Namespace, ours: list[float], theirs: list[float], counts: dict[str, int]
) -> int:
    apps, changed = args.apps, args.changed
    unavoidable = {"GET /apps": 2 * -(-apps // 200), EXPORT: 2 * apps + changed, IMPORT: changed}
    allowed_extra = {EXPORT: changed, CHECK: changed}  # snapshot and dependency check per app
    extra = {
        route: counts.get(route, 0) - unavoidable.get(route, 0) - allowed_extra.get(route, 0)
        for route in set(counts) | set(unavoidable)
    }
    ratio = median(ours) / median(theirs)
    print(f"{apps} apps per side, {changed} changed, {args.rounds} rounds (medians)")
    print(
        f"our promotion: {milliseconds(median(ours))}; baseline: {milliseconds(median(theirs))}"
        f" → ratio {ratio:.2f}x (target ≤ {TARGET}x)"
    )
    print("requests of our run, per route:")
    for route in sorted(counts):
        print(f"  {route}: {counts[route]}")
    print(
        f"unavoidable: {unavoidable}; documented extra: snapshot export and dependency check "
        f"for each of the {changed} changed apps"
    )
    beyond = {route: n for route, n in extra.items() if n > 0}
    print(f"calls beyond those: {beyond or 'none'}")
    ok = ratio <= TARGET and not beyond
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
