"""Check a workspace's live apps against their desired state and report what drifted.

Deployed as `drift-check` (see prefect.yaml; scheduled). The desired state is a git ref of
the backup repository (a workspace directory in it) or another workspace; the comparison
is the promotion plan's, desired onto live. The run publishes the `dify-drift` artifact
and fails when anything drifted, so an automation can notify someone. Nothing is written
to Dify or to git. The CLI's drift command runs the same step without a Prefect server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.schemas.objects import State
from pydantic import Field

from flows._calling import JobFailed, as_function, as_task
from flows.wording import failed_run, worded_failures
from jobs import DriftRequest, GitSide, WorkspaceSide
from reconcile.drift import DriftReport, drift_markdown
from tasks.drift import check_drift_task

ARTIFACT_KEY = "dify-drift"

__all__ = ["ARTIFACT_KEY", "DriftSteps", "drift_check_flow", "run_drift"]


@dataclass(frozen=True)
class DriftSteps:
    """The drift check's step, typed as the task is; `plain()` or `prefect()` runs it."""

    check: Callable[[DriftRequest], DriftReport]

    @classmethod
    def plain(cls) -> DriftSteps:
        return cls(as_function(check_drift_task))

    @classmethod
    def prefect(cls) -> DriftSteps:
        return cls(as_task(check_drift_task))


def run_drift(request: DriftRequest) -> DriftReport:
    """The drift check as a plain function call (what the CLI runs)."""
    return DriftSteps.plain().check(request)


@flow(name="drift-check", description="Compare a workspace's live apps with their desired state.")
async def drift_check_flow(
    live: WorkspaceSide,
    desired: WorkspaceSide | GitSide,
    apps: list[Annotated[str, Field(min_length=1)]] | None = None,
    concurrency: Annotated[int, Field(ge=1, le=32)] = 4,
    rate_limit: Annotated[int, Field(ge=1)] | None = 50,
) -> dict[str, object] | State[Any]:
    """Compare the `live` workspace with the `desired` state and publish what drifted.

    `desired` is `{kind: git, repo, ref, path: <host>/<workspace>}` (a backup's git ref)
    or `{kind: workspace, workspace, …}`; `apps` narrows the check to names or globs.
    Drifted apps are changed, missing (desired, not live), extra (live, not desired) or
    blocked (changed, and not overwritable by the API). The run fails when any app
    drifted; the `dify-drift` artifact lists them with the version each is compared with.
    """
    published = False
    try:
        with worded_failures("drift"):
            request = DriftRequest(
                live=live,
                desired=desired,
                apps=apps or [],
                concurrency=concurrency,
                rate_limit=rate_limit,
            )
            report = DriftSteps.prefect().check(request)
            await acreate_markdown_artifact(
                key=ARTIFACT_KEY, markdown=drift_markdown(report), description="Dify drift check"
            )
            published = True
            get_run_logger().info("drift check: %s", report.summary())
            failure = report.failure_message()
            if failure is not None:
                raise JobFailed(f"{failure}; see the artifact", job="drift")
            return {"summary": report.summary(), "report": report.model_dump(mode="json")}
    except JobFailed as exc:
        return await failed_run(
            exc, artifact_key=None if published else ARTIFACT_KEY, title="Dify drift check"
        )
