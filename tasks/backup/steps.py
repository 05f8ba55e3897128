"""Backup tasks: list what to back up, export one workspace into the repository, commit.

One task per workspace (not per app): exports fan out over a small thread pool inside the
task, sharing one client whose rate limiter keeps the whole job under the server's limit.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from prefect import task
from pydantic import BaseModel

from dify_client import (
    AuthenticationError,
    CredentialsNotFoundError,
    DifyClient,
    DifyError,
    UnknownProfileError,
    WorkspaceLookupError,
    find_workspaces,
)
from dify_client.remedies import Remedy, Step
from gitstore import Author, GitStore, GitStoreError, RepositoryBusyError
from jobs import BackupSettings, Source
from reconcile.backup.files import ExportFailed, plan_files, text_hash
from reconcile.backup.layout import (
    INDEX_FILE,
    AppListing,
    WorkspaceIndex,
    assign_paths,
    host_dir,
    parse_index,
    workspace_dir,
)
from reconcile.backup.plan import (
    UnreachableSource,
    WorkspaceResult,
    commit_message,
    decide_exports,
)
from tasks.backup.export import Breaker, export_all
from tasks.backup.files import apply_files
from tasks.backup.last_run import record_last_run
from tasks.backup.progress import ProgressArg, as_progress
from tasks.sources import open_client

# The op that lists published versions: only servers that have it (S3) keep live versions.
LIVE_VERSIONS_OP = "get.console_app.version"

# How long a run waits for another backup of the same repository to finish.
LOCK_WAIT_SECONDS = 900.0

# Opening (or creating) a repository and taking its lock happen one at a time in a process,
# so two runs starting together never both `git init` the same new directory.
_opening = threading.Lock()


class BackupTarget(BaseModel):
    source: Source
    base_url: str
    workspace_id: str
    workspace_name: str


class CommitResult(BaseModel):
    sha: str | None
    message: str
    pushed: bool = False


@contextmanager
def holding_repository(
    settings: BackupSettings,
    *,
    wait: float = LOCK_WAIT_SECONDS,
    note: Callable[[str], None] | None = None,
) -> Iterator[GitStore]:
    """The backup repository, opened (created or cloned when absent) and locked until the
    block ends: a whole run, every step of it, writes the work tree alone.

    Another run of the same repository waits up to `wait` seconds for this one (and this
    one for it), saying so through `note`. The steps themselves take no lock: whoever
    runs them holds this one. Taking it clears what a killed run left in .git (a stale
    index.lock is noted through `note`; one a running git may hold refuses the run).
    """
    refuse_foreign_checkout(settings.work_tree())
    with _opening:
        if settings.remote and not (settings.work_tree() / ".git").exists():
            store = GitStore.clone(settings.repo, settings.work_tree(), branch=settings.branch)
        else:
            store = GitStore.open(settings.work_tree(), branch=settings.branch)
    with store:
        try:
            store.lock(
                wait=wait,
                on_wait=None
                if note is None
                else lambda: note(
                    f"another backup of {settings.repo} is running; waiting up to {wait:.0f} s"
                ),
            )
        except RepositoryBusyError as exc:
            raise GitStoreError(
                f"another backup of {settings.repo} is running; waited {wait:.0f} s",
                hint="Run again when it has finished (the deployment queues its own runs).",
            ) from exc
        for line in store.recovered:
            if note is not None:
                note(line)
        yield store


def refuse_foreign_checkout(work_tree: Path) -> None:
    """Refuse to back up into a checkout of difyops itself (where an unset repository
    path lands: the worker's working directory)."""
    pyproject = work_tree / "pyproject.toml"
    if not pyproject.is_file():
        return
    try:
        name = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return
    if name == "difyops":
        raise GitStoreError(
            f"{work_tree} is a checkout of difyops itself, not a backup repository",
            hint="Give the backup repository's own path (absolute) or its git URL.",
        )


class BackupTargets(BaseModel):
    """The workspaces to back up, and the sources that could not be read at all."""

    targets: list[BackupTarget]
    unreachable: list[UnreachableSource] = []


@task(name="list-backup-targets")
def list_backup_targets(sources: list[Source], rate_limit: int | None = None) -> BackupTargets:
    """The workspaces to back up: every one each source can see, or the chosen ones.

    Of several sources, one that cannot be read (no token, a rejected one, a server that
    does not answer) is reported in `unreachable` and the others are backed up; when none
    can be read, the first one's error is raised (nothing is backed up then).
    """
    targets: list[BackupTarget] = []
    unreachable: list[UnreachableSource] = []
    first_error: DifyError | None = None
    for source in sources:
        base_url: str | None = None
        try:
            with open_client(source, rate_limit=rate_limit) as client:
                base_url = client.base_url
                workspaces = client.workspaces.list()
        except UnknownProfileError:
            raise  # a misspelt profile is a mistake in the request: nothing is backed up
        except DifyError as exc:
            first_error = first_error or exc
            unreachable.append(
                UnreachableSource(
                    source=source.describe(),
                    profile=source.profile,
                    host=urlsplit(base_url).netloc if base_url else None,
                    message=(
                        f"the server rejected its token ({exc.status} {exc.code})"
                        if isinstance(exc, AuthenticationError)
                        else str(exc)
                    ),
                    auth=isinstance(exc, AuthenticationError | CredentialsNotFoundError),
                )
            )
            continue
        chosen = workspaces
        if source.workspaces:
            try:
                chosen = find_workspaces(workspaces, source.workspaces)
            except WorkspaceLookupError as exc:
                near = f"Did you mean {exc.suggestion!r}?" if exc.suggestion else None
                raise DifyError(
                    f"{source.describe()}: {exc.message} among {exc.visible}", hint=near
                ) from None
        targets += [
            BackupTarget(
                source=source, base_url=client.base_url, workspace_id=w.id, workspace_name=w.name
            )
            for w in chosen
            if w.status == "normal"
        ]
    if first_error is not None and len(unreachable) == len(sources):
        raise first_error
    return BackupTargets(targets=targets, unreachable=unreachable)


@task(
    name="backup-workspace",
    task_run_name="backup-{target.workspace_name}",
)
def backup_workspace(
    settings: BackupSettings,
    target: BackupTarget,
    progress: ProgressArg = None,
) -> WorkspaceResult:
    """Export a workspace's apps into the repository (files and index; no commit).

    A Ctrl-C while the apps are listed or exported ends the workspace early
    (`result.interrupted`): the exports finished by then are stored as usual, the others
    keep their last good file (as failed exports do), so what was done can be committed.
    """
    watcher = as_progress(progress)
    host = host_dir(target.base_url)
    result = WorkspaceResult(
        host=host,
        base_url=target.base_url,
        workspace_id=target.workspace_id,
        workspace_name=target.workspace_name,
        directory="",
    )
    with GitStore.open(settings.work_tree(), branch=settings.branch) as store:
        result.directory, recorded = _find_workspace(store, host, target)
        index = recorded or WorkspaceIndex(
            host=host, workspace_id=target.workspace_id, workspace_name=target.workspace_name
        )
        with open_client(target.source, rate_limit=settings.rate_limit) as client:
            client.on_wait = watcher.waiting
            try:
                listings, result.reported_total = _list_apps(client, target.workspace_id)
            except KeyboardInterrupt:
                watcher.interrupting()
                result.interrupted = True
                result.stopped = "the run was interrupted before its apps were listed"
                return result
            except AuthenticationError:
                raise  # every later request would be rejected too: the run stops here
            except DifyError as exc:
                # Never remove anything on a partial view of the workspace.
                result.error = f"listing apps failed: {exc}"
                return result
            result.listed = len(listings)
            paths = assign_paths(result.directory, listings, index)
            decisions, _ = decide_exports(
                listings,
                paths,
                index,
                lambda p: _file_hash(store, p),
                full=settings.full,
                track_live=client.supports(LIVE_VERSIONS_OP),
            )
            breaker = Breaker()
            watcher.workspace_started(target.workspace_name, target.base_url, len(decisions))
            exports = export_all(
                client,
                decisions,
                concurrency=settings.concurrency,
                include_secret=settings.include_secret,
                no_redact=set(settings.no_redact),
                progress=watcher.exported,
                breaker=breaker,
                on_interrupt=watcher.interrupting,
            )
            if breaker.rejected is not None:
                raise token_rejected(target.base_url, breaker.rejected, breaker.exported)
            result.exports = sum(not isinstance(e, ExportFailed) for e in exports.values())
            if breaker.interrupted:
                result.interrupted = True
                result.stopped = (
                    f"the run was interrupted after {breaker.exported} export(s); "
                    "nothing more was exported"
                )
                result.not_exported = list(breaker.skipped)
            elif breaker.gone is not None:
                result.stopped = (
                    f"Dify at {target.base_url} stopped answering after {breaker.exported} "
                    f"export(s) ({breaker.gone}); nothing more was exported"
                )
                result.not_exported = list(breaker.skipped)
        plan = plan_files(
            result.directory,
            listings,
            index,
            decisions,
            exports,
            stored_text=store.read_text,
            full=settings.full,
            workspace_name=target.workspace_name,
            index_recorded=recorded is not None,
            with_secrets=settings.include_secret,
        )
        apply_files(store, plan.operations)
    result.outcomes = plan.outcomes
    result.wrote = plan.writes_index or any(o.status != "unchanged" for o in plan.outcomes)
    return result


@task(name="commit-backup")
def commit_backup(settings: BackupSettings, results: list[WorkspaceResult]) -> CommitResult:
    """One commit for the whole run, only if something changed; optional push."""
    message = commit_message(results)
    author = Author(settings.author_name, settings.author_email)
    with GitStore.open(settings.work_tree(), branch=settings.branch) as store:
        # Only the hosts this run backed up: other files in the repository are the
        # user's and are never committed by a backup.
        scopes = sorted({r.host for r in results})
        touched = any(r.wrote for r in results)
        sha = store.commit_all(message, author=author, paths=scopes) if touched else None
        pushed = False
        if settings.push and store.has_remote():
            store.push()
            pushed = True
        elif settings.push:
            store.push()  # raises with a hint: there is no origin
        record_last_run(store, results, sha)
    return CommitResult(sha=sha, message=message, pushed=pushed)


# -- helpers -------------------------------------------------------------------------------


def token_rejected(base_url: str, error: AuthenticationError, exported: int) -> AuthenticationError:
    """The run's end when the server rejects the token mid-run: nothing is committed (a
    tree missing the apps the token could no longer export would record them as gone)."""
    return AuthenticationError(
        f"Dify at {base_url} rejected the token after {exported} export(s); "
        "the backup stopped and nothing was committed",
        status=error.status,
        code=error.code,
        hint=(Step(Remedy.SIGN_IN, "Sign in again"), ", then run the backup again."),
    )


def _list_apps(client: DifyClient, workspace_id: str) -> tuple[list[AppListing], int]:
    """The workspace's apps, and the total the server reported for them."""
    page = client.apps.list(workspace_id, limit=200)
    listings = [
        AppListing(id=a.id, name=a.name, mode=a.mode, updated_at=a.updated_at) for a in page
    ]
    return listings, page.total


def _file_hash(store: GitStore, path: str) -> str | None:
    text = store.read_text(path)
    return text_hash(text) if text is not None else None


def _find_workspace(
    store: GitStore, host: str, target: BackupTarget
) -> tuple[str, WorkspaceIndex | None]:
    """The workspace's directory, and its index when the repository has a readable one."""
    indexes = _indexes_by_directory(store, host)
    directory = workspace_dir(
        host,
        target.workspace_id,
        target.workspace_name,
        {i.workspace_id: d for d, i in indexes.items()},
    )
    return directory, indexes.get(directory)


def _indexes_by_directory(store: GitStore, host: str) -> dict[str, WorkspaceIndex]:
    """workspace directory → its index, for every index already under `host`."""
    found = {}
    for path in store.glob(host, f"*/{INDEX_FILE}"):
        index = parse_index(store.read_text(path))
        if index is not None:
            found[path.rsplit("/", 1)[0]] = index
    return found


@task(name="prepare-backup-repository")
def prepare_repository(settings: BackupSettings, hosts: list[str]) -> list[str]:
    """Open (or create) the repository, catch up with origin, and drop half-done work.

    Returns the paths a killed earlier run had left uncommitted; they are redone by this run.
    """
    refuse_foreign_checkout(settings.work_tree())
    if settings.remote and not (settings.work_tree() / ".git").exists():
        GitStore.clone(settings.repo, settings.work_tree(), branch=settings.branch).close()
    with GitStore.open(settings.work_tree(), branch=settings.branch) as store:
        # First drop what a killed run left: git refuses to rebase a dirty work tree.
        recovered = store.discard_changes(hosts)
        if (settings.push or settings.remote) and store.has_remote():
            store.pull()
        return recovered
