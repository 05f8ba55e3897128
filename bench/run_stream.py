"""Benchmark reading a long run stream: typed events through the client against bare httpx.

Imports a workflow into the emulator (a loop of N rounds, each rendering a template
node), publishes it, and runs it. Every round costs Dify's `loop_next`, `node_started`
and `node_finished`, so N = 6,700 gives about 20,000 small events, and no single event
grows with N. Each round reads one run with the client (`client.runs.stream`: SSE decoded
by httpx-sse, every event parsed into its pydantic model) and one with the baseline, the
fastest honest way to read the same stream: `httpx.stream(...).iter_lines()` counting the
`data:` lines. Rounds interleave, so machine noise falls on both.

Prints events/s for both, the ratio (median over rounds), and the client's peak traced
memory while reading runs of N/10 and N rounds (flat: it holds no event it has
yielded). Targets: ratio >= 0.7, memory growth <= 1.5x. Exit 1 on a miss.

    .venv/bin/python bench/run_stream.py [--rounds-per-run 6700] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from typing import Any

import httpx
from _common import Emulator, isolated_home, median

TARGET_RATIO = 0.7
TARGET_MEMORY_GROWTH = 1.5
EMAIL = "ada@acme.example"
WORKSPACE = "d0000000-0000-4000-8000-000000000001"  # Acme Dev in the demo seed

WORKFLOW = """\
app:
  mode: workflow
  name: Stream Bench {rounds}
kind: app
version: 0.3.0
workflow:
  graph:
    edges:
    - {{id: e1, source: start, sourceHandle: source, target: each, targetHandle: target}}
    - {{id: e2, source: each, sourceHandle: source, target: end, targetHandle: target}}
    - id: e3
      source: each-start
      sourceHandle: source
      target: tick
      targetHandle: target
      data: {{isInLoop: true, loop_id: each}}
    nodes:
    - id: start
      data: {{type: start, title: Start, variables: []}}
    - id: each
      data:
        type: loop
        title: Each
        loop_count: {rounds}
        break_conditions: []
        logical_operator: and
        start_node_id: each-start
        error_handle_mode: terminated
    - id: each-start
      parentId: each
      data: {{type: loop-start, title: '', isInLoop: true}}
    - id: tick
      parentId: each
      data:
        type: template-transform
        title: Tick
        isInLoop: true
        loop_id: each
        template: tick
        variables: []
    - id: end
      data:
        type: end
        title: End
        outputs:
        - {{variable: rounds, value_selector: [each, loop_round]}}
"""


def import_app(emulator: Emulator, api: httpx.Client, rounds: int) -> str:
    """A published app whose run loops `rounds` times: three small events a round."""
    imported = api.post(
        f"/workspaces/{WORKSPACE}/apps/imports",
        json={"mode": "yaml-content", "yaml_content": WORKFLOW.format(rounds=rounds)},
    ).json()
    app_id = str(imported["app_id"])
    emulator.call("POST", f"/apps/{app_id}/publish")
    return app_id


def baseline(api: httpx.Client, app_id: str) -> int:
    """Bare httpx: one POST, count the `data:` lines of the stream."""
    count = 0
    with api.stream("POST", f"/apps/{app_id}/run", json={"inputs": {}}) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("data:"):
                count += 1
    return count


def through_client(client: Any, app_id: str) -> int:
    """The client: SSE decoded by httpx-sse, each event parsed into its model."""
    count = 0
    with client.runs.stream(app_id, inputs={}) as stream:
        for event in stream:
            if event.event != "ping":
                count += 1
    return count


def rate(read: Any, *args: Any) -> tuple[float, int]:
    start = time.perf_counter()
    count = read(*args)
    return count / (time.perf_counter() - start), count


def peak_traced(read: Any, *args: Any) -> int:
    tracemalloc.start()
    try:
        read(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# One measurement, read top to bottom: set up, interleave the rounds, measure memory, judge.
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds-per-run", type=int, default=6700)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    isolated_home()
    from dify_client import DifyClient

    emulator = Emulator("--seed", "demo")
    try:
        token = emulator.token(EMAIL)
        api = httpx.Client(
            base_url=emulator.base_url + "/openapi/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=300,
        )
        small = max(args.rounds_per_run // 10, 1)
        app_id = import_app(emulator, api, args.rounds_per_run)
        small_app_id = import_app(emulator, api, small)
        with DifyClient(emulator.base_url, token, rate_limit=None) as client:
            through_client(client, app_id)  # warm both paths once
            baseline(api, app_id)
            ours: list[float] = []
            theirs: list[float] = []
            counts: set[int] = set()
            for _ in range(args.rounds):
                speed, count = rate(through_client, client, app_id)
                ours.append(speed)
                counts.add(count)
                speed, count = rate(baseline, api, app_id)
                theirs.append(speed)
                counts.add(count)
            memory_small = peak_traced(through_client, client, small_app_id)
            memory_large = peak_traced(through_client, client, app_id)
        api.close()
    finally:
        emulator.stop()

    ratio = median(ours) / median(theirs)
    growth = memory_large / memory_small
    print(f"one run of {args.rounds_per_run} loop rounds: {sorted(counts)} events per stream")
    print(f"{args.rounds} interleaved rounds (medians):")
    print(f"  client (typed events): {median(ours):>10,.0f} events/s")
    print(f"  baseline (iter_lines): {median(theirs):>10,.0f} events/s")
    print(f"  ratio: {ratio:.2f}x (target >= {TARGET_RATIO}x)")
    print(
        f"client peak traced memory: {memory_small / 1024:,.0f} KiB for {small} rounds, "
        f"{memory_large / 1024:,.0f} KiB for {args.rounds_per_run} loop rounds: {growth:.2f}x "
        f"(target <= {TARGET_MEMORY_GROWTH}x)"
    )
    misses = []
    if len(counts) != 1:
        misses.append("the two readers saw different event counts")
    if ratio < TARGET_RATIO:
        misses.append(f"ratio {ratio:.2f} < {TARGET_RATIO}")
    if growth > TARGET_MEMORY_GROWTH:
        misses.append(f"memory grew {growth:.2f}x")
    for miss in misses:
        print(f"MISSED: {miss}")
    print(json.dumps({"ratio": round(ratio, 3), "memory_growth": round(growth, 3)}))
    print("targets met" if not misses else "TARGET MISSED")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
