"""A backup fanned out over several flow runs: groups of workspaces, and their results.

The parent run lists the workspaces, prepares the repository and holds its lock; each
group (a child run) exports its workspaces into their own `<host>/<workspace>/`
directories of the work tree without committing; the parent then commits once. So several
workers share the exports while one repository is still written by one run at a time.

How workspaces are grouped (`group_workspaces`):

- by host first. A host's rate limit is per token, so groups of one host split its
  `rate_limit` between them (they run at once); a host whose workspaces all sit in one
  group keeps the whole limit. When there are at least as many hosts as groups, hosts are
  never split: they are packed whole into the groups.
- within a host, workspaces whose directory names could collide (the same slug, which only
  matters for workspaces new to the repository) stay in one group, in listing order: a
  new workspace's directory depends on the directories taken before it, so that is what
  keeps every directory exactly what a single run would choose, and disjoint.
- then largest first into the lightest group, weighed by the apps each workspace's index
  recorded at the last backup (a workspace new to the repository weighs the mean).

Groups hand their results back as one JSON file per workspace in a directory under the
repository's `.git` (never tracked), written as each workspace finishes: a group that
dies halfway still hands back the workspaces it finished, and the parent needs no result
storage shared with the workers. (Prefect's own way, the child's return value read from
the state of the flow run `run_deployment` returns, works only when the child persists
its result — `persist_result=True` or PREFECT_RESULTS_PERSIST_BY_DEFAULT — into result
storage the parent can read too, and a child that crashes hands back nothing.)

The groups must write the same work tree anyway, so they run where the repository's
filesystem is: process workers on the same machine, or workers that mount it at the same
path.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from prefect import task
from pydantic import BaseModel, Field

from gitstore import GitStore
from jobs import BackupSettings
from reconcile.backup.layout import INDEX_FILE, WorkspaceIndex, host_dir, parse_index, slug
from reconcile.backup.layout import workspace_dir as choose_workspace_dir
from reconcile.backup.plan import WorkspaceResult
from tasks.backup.steps import BackupTarget

__all__ = [
    "BackupGroup",
    "FanoutPlan",
    "collect_group_results",
    "group_workspaces",
    "plan_backup_groups",
    "write_workspace_result",
]

RESULTS_DIR = "difyops-fanout"


class BackupGroup(BaseModel):
    """The workspaces one child run backs up, in order, and the rate limit it may use."""

    name: str
    targets: list[BackupTarget] = Field(default_factory=list)
    rate_limit: int | None = None


class FanoutPlan(BaseModel):
    """The run's targets in listing order, the directory each will be written to, the
    groups, and where the groups write their results (inside the repository's .git)."""

    targets: list[BackupTarget]
    directories: list[str]
    groups: list[BackupGroup]
    results_dir: str


Weight = Callable[[list[int]], float]


def group_workspaces(
    targets: Sequence[BackupTarget],
    weights: Sequence[float],
    groups: int,
    rate_limit: int | None,
) -> list[BackupGroup]:
    """Targets split into at most max(`groups`, hosts) groups (see the module's rules).

    Pure: `weights[i]` is the expected work of `targets[i]`.
    """
    groups = max(groups, 1)
    # Units that must stay together: workspaces of one host whose directories could clash.
    units: dict[tuple[str, str], list[int]] = {}
    for i, target in enumerate(targets):
        name = slug(target.workspace_name, target.workspace_id, kind="workspace")
        units.setdefault((host_dir(target.base_url), name), []).append(i)
    by_host: dict[str, list[list[int]]] = {}
    for (host, _), members in units.items():
        by_host.setdefault(host, []).append(members)

    def weight(members: list[int]) -> float:
        return sum(weights[i] for i in members)

    bins: list[tuple[list[int], int | None]] = []  # (target indexes, rate limit)
    if len(by_host) >= groups:
        whole_hosts = [[i for unit in us for i in unit] for us in by_host.values()]
        bins = [(members, rate_limit) for members in _pack(whole_hosts, groups, weight)]
    else:
        slots = _share_slots(by_host, groups, weight)
        for host, host_units in by_host.items():
            share = max(rate_limit // slots[host], 1) if rate_limit else None
            bins += [(members, share) for members in _pack(host_units, slots[host], weight)]
    ordered = sorted((sorted(members), limit) for members, limit in bins if members)
    return [
        BackupGroup(name=f"group-{n}", targets=[targets[i] for i in members], rate_limit=limit)
        for n, (members, limit) in enumerate(ordered, start=1)
    ]


def _pack(units: list[list[int]], bins: int, weight: Weight) -> list[list[int]]:
    """Largest unit first into the lightest bin (ties: the lowest bin, then listing order)."""
    loads = [0.0] * bins
    packed: list[list[int]] = [[] for _ in range(bins)]
    for unit in sorted(units, key=lambda u: (-weight(u), u[0])):
        lightest = min(range(bins), key=lambda b: (loads[b], b))
        packed[lightest] += unit
        loads[lightest] += weight(unit)
    return packed


def _share_slots(
    by_host: dict[str, list[list[int]]], groups: int, weight: Weight
) -> dict[str, int]:
    """How many groups each host gets: one each, the rest one by one to the host with the
    most work per group (a host gets no more groups than it has units)."""
    hosts = list(by_host)
    load = {host: sum(weight(u) for u in units) for host, units in by_host.items()}
    slots = dict.fromkeys(hosts, 1)
    for _ in range(groups - len(hosts)):
        splittable = [h for h in hosts if slots[h] < len(by_host[h])]
        if not splittable:
            break
        busiest = max(splittable, key=lambda h: (load[h] / slots[h], -hosts.index(h)))
        slots[busiest] += 1
    return slots


@task(name="plan-backup-groups")
def plan_backup_groups(
    settings: BackupSettings, targets: list[BackupTarget], groups: int, run_key: str
) -> FanoutPlan:
    """Each target's directory and weight from the repository, grouped for the children."""
    with GitStore.open(settings.work_tree(), branch=settings.branch) as store:
        directories, recorded = _planned_layout(store, targets)
        handoff = store.git_dir / RESULTS_DIR
    known = [float(n) for n in recorded if n is not None]
    mean = sum(known) / len(known) if known else 1.0
    weights = [float(n) if n is not None else mean for n in recorded]
    # Results of runs that died before collecting them: this run holds the lock, so no
    # other run is using them.
    shutil.rmtree(handoff, ignore_errors=True)
    results_dir = handoff / run_key
    results_dir.mkdir(parents=True)
    return FanoutPlan(
        targets=targets,
        directories=directories,
        groups=group_workspaces(targets, weights, groups, settings.rate_limit),
        results_dir=str(results_dir),
    )


def _planned_layout(
    store: GitStore, targets: Sequence[BackupTarget]
) -> tuple[list[str], list[int | None]]:
    """(directory, apps its index recorded) per target, as a run in listing order would
    assign them: a new workspace takes the first free name after those before it."""
    known: dict[str, dict[str, str]] = {}  # host → workspace id → directory
    sizes: dict[str, int] = {}  # directory → apps recorded
    directories: list[str] = []
    recorded: list[int | None] = []
    for target in targets:
        host = host_dir(target.base_url)
        if host not in known:
            indexes = _indexes(store, host)
            known[host] = {index.workspace_id: d for d, index in indexes.items()}
            sizes |= {d: len(index.apps) for d, index in indexes.items()}
        directory = choose_workspace_dir(
            host, target.workspace_id, target.workspace_name, known[host]
        )
        known[host][target.workspace_id] = directory
        directories.append(directory)
        recorded.append(sizes.get(directory))
    return directories, recorded


def _indexes(store: GitStore, host: str) -> dict[str, WorkspaceIndex]:
    found = {}
    for path in store.glob(host, f"*/{INDEX_FILE}"):
        index = parse_index(store.read_text(path))
        if index is not None:
            found[path.rsplit("/", 1)[0]] = index
    return found


def _result_file(results_dir: str, host: str, workspace_id: str) -> Path:
    return Path(results_dir) / f"{host}--{workspace_id}.json"


def write_workspace_result(results_dir: str, result: WorkspaceResult) -> None:
    """Hand one workspace's result to the parent (atomically: it never reads half a file)."""
    target = _result_file(results_dir, result.host, result.workspace_id)
    fd, tmp = tempfile.mkstemp(dir=results_dir, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(result.model_dump_json())
    os.replace(tmp, target)


@task(name="collect-group-results")
def collect_group_results(
    settings: BackupSettings, plan: FanoutPlan, failed_groups: dict[str, str]
) -> list[WorkspaceResult]:
    """Every target's result, in listing order.

    A workspace its group never finished (the group's run failed or crashed: the reason is
    in `failed_groups`, by group name) is reported with that error, and whatever the group
    had written into its directory is thrown away, so the commit holds only finished work.
    """
    group_of = {_key(t): g.name for g in plan.groups for t in g.targets}
    results: list[WorkspaceResult] = []
    unfinished: list[str] = []
    for target, directory in zip(plan.targets, plan.directories, strict=True):
        path = _result_file(plan.results_dir, *_key(target))
        if path.is_file():
            results.append(WorkspaceResult.model_validate_json(path.read_text("utf-8")))
            continue
        group = group_of[_key(target)]
        reason = failed_groups.get(group, "ended without reporting it")
        results.append(
            WorkspaceResult(
                host=host_dir(target.base_url),
                base_url=target.base_url,
                workspace_id=target.workspace_id,
                workspace_name=target.workspace_name,
                directory=directory,
                error=f"not backed up: its group's run ({group}) {reason}",
            )
        )
        unfinished.append(directory)
    if unfinished:
        with GitStore.open(settings.work_tree(), branch=settings.branch) as store:
            store.discard_changes(unfinished)
    shutil.rmtree(plan.results_dir, ignore_errors=True)
    return results


def _key(target: BackupTarget) -> tuple[str, str]:
    return host_dir(target.base_url), target.workspace_id
