"""Reading the two sides of a promotion: a live workspace, or a backup repository at a ref."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dify_client import DifyClient, WorkspaceLookupError, find_workspace, is_uuid
from dsl import DslDocument, load_text
from gitstore import GitStore
from jobs.params import GitSide, WorkspaceSide
from reconcile.backup.layout import INDEX_FILE, host_dir, parse_index
from reconcile.errors import PlanError
from reconcile.promotion.plan import Endpoint
from reconcile.promotion.planner import AppRef
from tasks.sources import open_client


@dataclass
class Listing:
    endpoint: Endpoint
    apps: list[AppRef]
    # Only for git sides: the stored DSL of each app, by name.
    texts: dict[str, str]
    # Git sides: each app's file in the repository; workspace sides: when each app was
    # last updated (as Dify sends it). Both by name: what a drift check says "since".
    paths: dict[str, str] = field(default_factory=dict)
    updated: dict[str, str] = field(default_factory=dict)


def list_workspace(client: DifyClient, side: WorkspaceSide) -> Listing:
    # Given an id, the app rows name the workspace: no lookup call is spent on it.
    known = _Workspace(side.workspace, "") if is_uuid(side.workspace) else None
    workspace = known or resolve_workspace(client, side.workspace)
    rows = list(client.apps.iter_all(workspace.id))
    name = workspace.name or next((r.workspace_name for r in rows if r.workspace_name), None)
    endpoint = Endpoint(
        kind="workspace",
        host=host_dir(client.base_url),
        workspace_id=workspace.id,
        workspace_name=name or None,
    )
    apps = [AppRef(id=r.id, name=r.name, mode=r.mode) for r in rows]
    updated = {r.name: r.updated_at for r in rows if r.updated_at}
    return Listing(endpoint, apps, {}, updated=updated)


@dataclass(frozen=True)
class _Workspace:
    id: str
    name: str


def resolve_workspace(client: DifyClient, ref: str) -> _Workspace:
    """A workspace by id or exact name, among those the token can see."""
    try:
        found = find_workspace(client.workspaces.list(), ref)
    except WorkspaceLookupError as exc:
        if exc.ambiguous:
            raise PlanError(exc.message, hint="Give the workspace id.") from None
        raise PlanError(f"{exc.message} on {client.base_url}", hint=exc.hint) from None
    return _Workspace(found.id, found.name)


def list_git(side: GitSide) -> Listing:
    """The apps of one workspace directory of the backup repository at `side.ref`."""
    with GitStore.open(Path(side.repo), create=False) as store:
        commit = store.resolve(side.ref)
        directory = side.path or _only_workspace_dir(store, commit, side)
        index = parse_index(store.read_at(commit, f"{directory}/{INDEX_FILE}"))
        if index is None:
            raise PlanError(
                f"{side.repo} has no backup index at {directory}/{INDEX_FILE} in {side.ref}",
                hint="PATH is a workspace directory of the backup, e.g. <host>/<workspace>.",
            )
        texts: dict[str, str] = {}
        paths: dict[str, str] = {}
        apps: list[AppRef] = []
        for app_id, entry in index.apps.items():
            text = store.read_at(commit, entry.path)
            if text is not None:
                apps.append(AppRef(id=app_id, name=entry.name, mode=entry.mode))
                texts[entry.name] = text
                paths[entry.name] = entry.path
    endpoint = Endpoint(
        kind="git",
        repo=side.repo,
        ref=side.ref,
        commit=commit,
        path=directory,
        workspace_id=index.workspace_id,
        workspace_name=index.workspace_name,
    )
    return Listing(endpoint, apps, texts, paths=paths)


def _only_workspace_dir(store: GitStore, commit: str, side: GitSide) -> str:
    dirs = sorted(
        p.rsplit("/", 1)[0] for p in store.files_at(commit) if p.endswith(f"/{INDEX_FILE}")
    )
    if len(dirs) == 1:
        return dirs[0]
    listed = ", ".join(dirs) or "none"
    raise PlanError(
        f"say which workspace of the backup to read (git:{side.ref}:PATH)",
        hint=f"Workspace directories at {side.ref}: {listed}.",
    )


@dataclass(frozen=True)
class ExportJob:
    client: DifyClient
    app_id: str
    include_secret: bool


def export_documents(jobs: Iterable[ExportJob], *, concurrency: int) -> dict[str, DslDocument]:
    """app id → its exported DSL, parsed; exports of both sides share one bounded pool.

    Parsing happens in the workers, so it overlaps with the server preparing the next
    exports instead of waiting for all of them.
    """

    def run(job: ExportJob) -> tuple[str, DslDocument]:
        text = job.client.dsl.export(job.app_id, include_secret=job.include_secret)
        return job.app_id, load_text(text, source=f"app:{job.app_id}")

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return dict(pool.map(run, list(jobs)))


def open_target(side: WorkspaceSide, *, rate_limit: int | None) -> DifyClient:
    return open_client(side.credentials(), rate_limit=rate_limit)
