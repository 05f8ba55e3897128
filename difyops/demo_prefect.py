"""The Prefect part of `make demo`: the backup and a promotion plan as real flow runs.

Run by `difyops.demo` in its own process, after the CLI part, against the same emulator
and profile. With no PREFECT_API_URL, Prefect starts a temporary local server for this
process; the runs, their states and their artifacts are read back from it before it
stops, as they would be from the UI of a real server.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from flows.backup import backup_flow
from flows.promote import promote_flow
from flows.run_report import run_line
from jobs import WorkspaceSide
from reconcile.promotion.planner import Selection


def show(title: str, state: Any) -> None:
    print(f"\n{title}: {run_line(state)}", flush=True)


async def main(repo: str) -> int:
    backup = await backup_flow(repo=repo, rate_limit=None, return_state=True)
    show("Backup flow (Prod's promoted app is new since the CLI's last backup)", backup)
    summary = await backup.aresult(raise_on_failure=False) if backup.is_completed() else None
    if isinstance(summary, dict):
        commit = str(summary.get("commit") or "none")[:12]
        print(f"  its result: {summary.get('totals')}, commit {commit}", flush=True)
    plan = await promote_flow(
        source=WorkspaceSide(workspace="Acme Dev"),
        target=WorkspaceSide(workspace="Acme Prod"),
        selection=Selection(apps=["Support Ticket Triage"]),
        rate_limit=None,
        return_state=True,
    )
    show("Promotion flow (confirm=false: the plan only, as an artifact to review)", plan)
    return 0 if backup.is_completed() and plan.is_completed() else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
