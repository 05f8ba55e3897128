"""A backup fanned out over several flow runs, so that several workers share the exports.

Deployed as `backup-fanout` (the parent) and `backup-group` (its children; see
prefect.yaml). The parent lists the workspaces, prepares the repository, holds its lock
for the whole run, and groups the workspaces (`tasks.backup.fanout`); each group runs as a
flow run of the `backup-group` deployment, all at once, and exports its workspaces into
their own directories of the work tree without committing; the parent then commits once
and publishes the same artifact as the plain backup. Without a `backup-group` deployment
(or outside a Prefect server) the groups run in this process, one after the other, as
subflows: the same result, no speed-up.

The children write the parent's work tree and hand their results back through files in
its `.git`: they must run on workers that see the repository at the same path (process
workers on the machine that holds it, or workers mounting one shared volume).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, cast

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import State
from prefect.context import FlowRunContext
from prefect.deployments import arun_deployment
from prefect.exceptions import ObjectNotFound
from pydantic import Field

from flows._calling import JobFailed, as_task
from flows.backup import ARTIFACT_KEY, BackupSteps, settings_from_parameters
from flows.wording import failed_run, worded_failures
from jobs import BackupSettings, Concurrency, RateLimit, Source, Text
from reconcile.backup.layout import host_dir
from reconcile.backup.plan import BackupReport, backup_markdown
from tasks.backup.fanout import (
    BackupGroup,
    FanoutPlan,
    collect_group_results,
    plan_backup_groups,
    write_workspace_result,
)
from tasks.backup.steps import holding_repository

GROUP_DEPLOYMENT = "backup-group/backup-group"

__all__ = ["GROUP_DEPLOYMENT", "backup_fanout_flow", "backup_group_flow"]


@flow(
    name="backup-group",
    description="Export a group of workspaces into the backup repository (no commit).",
)
def backup_group_flow(
    settings: BackupSettings, group: BackupGroup | None = None, results_dir: str | None = None
) -> dict[str, int]:
    """Back up `group`'s workspaces into `settings.repo`'s work tree, one after the other.

    Started by `backup-fanout`, which holds the repository's lock, commits, and reads each
    workspace's result from `results_dir` (written as soon as the workspace is done).
    Without a group there is nothing to do: the deployment's own parameters are
    placeholders.
    """
    steps = BackupSteps.prefect()
    group = group or BackupGroup(name="none")
    mine = settings.model_copy(update={"rate_limit": group.rate_limit})
    apps = 0
    for target in group.targets:
        result = steps.backup_workspace(mine, target, None)
        if results_dir:
            write_workspace_result(results_dir, result)
        apps += result.listed
    return {"workspaces": len(group.targets), "apps": apps}


@flow(name="backup-fanout", description="A backup shared out between several workers.")
async def backup_fanout_flow(
    repo: Text,
    profile: Text | None = None,
    server: Text | None = None,
    token_block: Text | None = None,
    workspaces: list[Text] | None = None,
    sources: list[Source] | None = None,
    branch: Text = "main",
    push: bool = False,
    full: bool = False,
    include_secret: bool = False,
    no_redact: list[Text] | None = None,
    author_name: Text = "difyops backup",
    author_email: Text = "difyops@localhost",
    concurrency: Concurrency = 4,
    rate_limit: RateLimit | None = 50,
    groups: Annotated[int, Field(ge=1, le=32)] = 2,
    group_deployment: Text | None = GROUP_DEPLOYMENT,
    poll_interval: Annotated[float, Field(gt=0)] = 5,
) -> dict[str, object] | State[Any]:
    """Back up apps into `repo` as the `backup` flow does, in `groups` child runs.

    The parameters up to `rate_limit` are the `backup` flow's. `groups`: how many child
    runs share the workspaces (as many as there are workers for them; several hosts never
    share a group with their rate limit split). `group_deployment`: the children's
    deployment; when it does not exist (or is None) the groups run here, one after the
    other. `poll_interval`: seconds between looks at the children's state.

    The run fails (after committing what succeeded) when an app could not be exported or
    a group's run failed; that group's unfinished workspaces are left as last committed.
    """
    published = False
    try:
        with worded_failures("backup"):
            settings, chosen = settings_from_parameters(
                repo=repo,
                profile=profile,
                server=server,
                token_block=token_block,
                workspaces=workspaces,
                sources=sources,
                branch=branch,
                push=push,
                full=full,
                include_secret=include_secret,
                no_redact=no_redact,
                author_name=author_name,
                author_email=author_email,
                concurrency=concurrency,
                rate_limit=rate_limit,
            )
            steps = BackupSteps.prefect()
            listing = steps.list_targets(chosen, settings.rate_limit)
            targets = listing.targets
            with holding_repository(settings, note=get_run_logger().info):
                recovered = steps.prepare_repository(
                    settings, sorted({host_dir(t.base_url) for t in targets})
                )
                plan = as_task(plan_backup_groups)(settings, targets, groups, _run_key())
                deployment = await _deployment(group_deployment)
                for_groups = _settings_for_groups(settings)
                if deployment:
                    failed = await _run_as_deployments(deployment, for_groups, plan, poll_interval)
                else:
                    failed = _run_as_subflows(for_groups, plan)
                results = as_task(collect_group_results)(settings, plan, failed)
                commit = steps.commit(settings, results)
            report = BackupReport(
                results=results,
                commit=commit.sha,
                pushed=commit.pushed,
                recovered=recovered,
                unreachable=listing.unreachable,
            )
            await acreate_markdown_artifact(
                key=ARTIFACT_KEY, markdown=backup_markdown(report), description="Dify backup run"
            )
            published = True
            if not report.ok:
                raise JobFailed(
                    f"backup finished with failures: {report.failure_line()}; see the artifact",
                    job="backup",
                )
            summary = report.summary()
            summary["groups"] = [
                {"name": g.name, "workspaces": len(g.targets), "rate_limit": g.rate_limit}
                for g in plan.groups
            ]
            summary["ran_as"] = "deployments" if deployment else "subflows"
            return summary
    except JobFailed as exc:
        return await failed_run(
            exc, artifact_key=None if published else ARTIFACT_KEY, title="Dify backup"
        )


def _settings_for_groups(settings: BackupSettings) -> BackupSettings:
    """What the groups are given: the work tree this run prepared, as an absolute path (a
    relative path, or a URL's cache directory, would be resolved again on each worker, in
    its own working directory and environment), and nothing to push."""
    work_tree = str(settings.work_tree().expanduser().resolve())
    return settings.model_copy(update={"repo": work_tree, "push": False})


def _run_key() -> str:
    context = FlowRunContext.get()
    if context and context.flow_run:
        return str(context.flow_run.id)
    raise RuntimeError("backup_fanout_flow runs only as a flow")


async def _deployment(name: str | None) -> str | None:
    """`name` when a deployment of that name exists on the server, else None."""
    if not name:
        return None
    async with get_client() as client:
        try:
            await client.read_deployment_by_name(name)
        except ObjectNotFound:
            return None
    return name


async def _run_as_deployments(
    deployment: str, settings: BackupSettings, plan: FanoutPlan, poll_interval: float
) -> dict[str, str]:
    """Every group as a run of `deployment`, all at once; the groups that did not complete,
    with how their run ended."""

    async def run(group: BackupGroup) -> State[Any] | None:
        flow_run = await arun_deployment(
            deployment,
            parameters={
                "settings": settings.model_dump(mode="json"),
                "group": group.model_dump(mode="json"),
                "results_dir": plan.results_dir,
            },
            flow_run_name=f"backup-{group.name}",
            timeout=None,
            poll_interval=poll_interval,
        )
        return flow_run.state

    states = await asyncio.gather(*(run(group) for group in plan.groups))
    return {
        group.name: _ended(state)
        for group, state in zip(plan.groups, states, strict=True)
        if state is None or not state.is_completed()
    }


def _run_as_subflows(settings: BackupSettings, plan: FanoutPlan) -> dict[str, str]:
    """Every group as a subflow of this run, one after the other (no worker to share with)."""
    failed = {}
    for group in plan.groups:
        child = backup_group_flow.with_options(flow_run_name=f"backup-{group.name}")
        state = cast(State[Any], child(settings, group, plan.results_dir, return_state=True))
        if not state.is_completed():
            failed[group.name] = _ended(state)
    return failed


def _ended(state: State[Any] | None) -> str:
    if state is None:
        return "has no state"
    detail = f": {state.message}" if state.message else ""
    return f"ended {state.name}{detail}"
