"""A flow run as a person reads it in the UI: its name, its state, its artifacts' keys.

For callers that start flows in-process (the demo) and must not speak to Prefect's client
themselves (the CLI layer reaches Prefect only through flows).
"""

from __future__ import annotations

from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.client.schemas.objects import State


def run_line(state: State[Any]) -> str:
    """`flow run 'quick-armadillo' Completed; artifacts: dify-backup`."""
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id) if run_id else None
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    name = run.name if run else "?"
    keys = ", ".join(sorted(a.key for a in artifacts if a.key)) or "none"
    line = f"flow run {name!r} {state.name}; artifacts: {keys}"
    if state.message and not state.is_completed():
        line += f"\n  {state.message}"
    return line
