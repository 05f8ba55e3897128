"""Run apps' smoke cases on a workspace and publish what they found.

Deployed as `smoke-check` (see prefect.yaml; scheduled, off until switched on):
`difyops smoke run` runs the same steps without a Prefect server. Promotions run their
own smoke cases inside the apply step (flows/promote.py). On Dify a workflow app runs its
*published* version, so the artifact says which version each app's cases exercised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.schemas.objects import State

from flows._calling import JobFailed, as_function, as_task
from flows.wording import failed_run, worded_failures
from jobs import RateLimit, SmokeRequest, Text, WorkspaceSide
from reconcile.smoke.cases import SmokeCases
from reconcile.smoke.render import smoke_markdown
from reconcile.smoke.result import SmokeRun
from tasks.smoke.files import read_cases
from tasks.smoke.steps import SmokeSelection, select_smoke_apps, smoke_task

ARTIFACT_KEY = "dify-smoke-check"

__all__ = ["ARTIFACT_KEY", "SmokeSteps", "run_smoke", "smoke_check_flow"]


@dataclass(frozen=True)
class SmokeSteps:
    """The smoke check's steps, typed as the tasks are; `plain()` or `prefect()` runs them."""

    select: Callable[[SmokeRequest], SmokeSelection]
    run: Callable[[SmokeRequest, SmokeSelection], SmokeRun]

    @classmethod
    def plain(cls) -> SmokeSteps:
        return cls(as_function(select_smoke_apps), as_function(smoke_task))

    @classmethod
    def prefect(cls) -> SmokeSteps:
        return cls(as_task(select_smoke_apps), as_task(smoke_task))


def _run(steps: SmokeSteps, request: SmokeRequest) -> SmokeRun:
    return steps.run(request, steps.select(request))


def run_smoke(request: SmokeRequest) -> SmokeRun:
    """The smoke check as plain function calls (what `difyops smoke run` runs)."""
    return _run(SmokeSteps.plain(), request)


@flow(name="smoke-check", description="Run Dify apps' smoke cases on a workspace.")
async def smoke_check_flow(
    target: WorkspaceSide,
    smoke_file: Text | None = None,
    manifest: Text | None = None,
    cases: SmokeCases | None = None,
    apps: list[Text] | None = None,
    rate_limit: RateLimit | None = 50,
) -> dict[str, object] | State[Any]:
    """Run the cases of `smoke_file` (standalone format), of `manifest`'s promotion
    section, or given as `cases`, on the `target` workspace; `apps` narrows them by name.

    The run fails when a case failed or an app with cases was not found, so an
    automation can notify someone; the artifact lists every case.
    """
    logger = get_run_logger()
    published = False
    try:
        with worded_failures("smoke"):
            chosen = (
                cases if cases is not None else read_cases(smoke_file=smoke_file, manifest=manifest)
            )
            request = SmokeRequest(
                target=target, cases=chosen, apps=apps or [], rate_limit=rate_limit
            )
            result = _run(SmokeSteps.prefect(), request)
            await acreate_markdown_artifact(
                key=ARTIFACT_KEY, markdown=smoke_markdown(result), description="Dify smoke check"
            )
            published = True
            logger.info("%s: %s", result.workspace, result.summary())
            if not result.passed:
                raise JobFailed(
                    f"smoke check failed: {result.summary()}; see the artifact", job="smoke"
                )
            return {"summary": result.summary(), "result": result.model_dump(mode="json")}
    except JobFailed as exc:
        return await failed_run(
            exc, artifact_key=None if published else ARTIFACT_KEY, title="Dify smoke check"
        )
