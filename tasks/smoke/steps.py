"""Smoke tasks: find the apps a check names, then run their cases. Each is one coarse
task; the runs inside it go one after another (Dify limits an app's concurrent runs)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prefect import task

from jobs import SmokeRequest
from reconcile.smoke.evaluate import run_cases
from reconcile.smoke.result import SmokeRun
from reconcile.smoke.select import SmokeTarget, WorkspaceApp, select
from tasks.promotion.sides import list_workspace, open_target
from tasks.smoke.runner import ClientRunner


@dataclass
class SmokeSelection:
    """The workspace (as a label), the apps to run with their cases, and the names of
    apps that cannot be run, with why."""

    workspace: str
    targets: list[SmokeTarget] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)


@task(name="select-smoke-apps")
def select_smoke_apps(request: SmokeRequest) -> SmokeSelection:
    """List the workspace's apps and match them to the cases by name."""
    with open_target(request.target, rate_limit=request.rate_limit) as client:
        listing = list_workspace(client, request.target)
    apps = [WorkspaceApp(a.name, a.id, a.mode) for a in listing.apps if a.id]
    targets, missing = select(request.chosen(), apps, asked=request.apps)
    return SmokeSelection(listing.endpoint.label(), targets, missing)


@task(name="smoke")
def smoke_task(request: SmokeRequest, selection: SmokeSelection) -> SmokeRun:
    """Run every selected app's cases and judge them; a run that fails is a failed case."""
    with open_target(request.target, rate_limit=request.rate_limit) as client:
        runner = ClientRunner(client)
        reports = [
            run_cases(runner, t.app.app_id, t.cases, app=t.app.name, mode=t.app.mode)
            for t in selection.targets
        ]
    return SmokeRun(workspace=selection.workspace, reports=reports, missing=selection.missing)
