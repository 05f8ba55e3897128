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

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.client.schemas.objects import State

from flows.backup import backup_flow
from flows.promote import promote_flow
from jobs import WorkspaceSide
from reconcile.promotion.planner import Selection


def show(title: str, state: State[Any]) -> None:
    """A flow run's state and the keys of the artifacts it published."""
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id) if run_id else None
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    name = run.name if run else "?"
    keys = ", ".join(sorted(a.key for a in artifacts if a.key)) or "none"
    print(f"\n{title}: flow run {name!r} {state.name}; artifacts: {keys}", flush=True)
    if state.message and not state.is_completed():
        print(f"  {state.message}", flush=True)


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
