"""A git working tree used as a store of text files, committed in one step per job.

`GitStore` is assembled from its parts: the work tree's files (`_worktree`), reading
history (`_history`) and keeping in step with origin (`_remote`); opening, locking and
committing are here.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import git

from gitstore._errors import GitStoreError, git_reason, safe_url
from gitstore._history import History
from gitstore._recovery import clear_orphan_temp_files, clear_stale_index_lock
from gitstore._remote import RemoteSync

_LOCK_FILE = "difyops.lock"
# `git init` runs here, and its .git is moved into place when whole: a run killed during
# `git init` leaves this directory, not a half-made .git that no later run could open.
_INIT_PREFIX = ".difyops-init-"


class RepositoryBusyError(GitStoreError):
    """Another difyops job holds the repository lock."""


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    def actor(self) -> git.Actor:
        return git.Actor(self.name, self.email)


class GitStore(RemoteSync, History):
    """Open with `GitStore.open(path)` or `GitStore.clone(url, path)`; use as a context
    manager. Paths are POSIX paths relative to the work tree root."""

    def __init__(self, repo: git.Repo, *, branch: str) -> None:
        super().__init__(repo, branch=branch)
        self._lock: IO[str] | None = None
        # What taking the lock cleared of a dead run's leftovers, for the job to report.
        self.recovered: list[str] = []

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, branch: str = "main", create: bool = True) -> GitStore:
        """Open the repository at `path`, creating an empty one if asked and absent."""
        path = Path(path)
        try:
            repo = git.Repo(path)
        except (git.NoSuchPathError, git.InvalidGitRepositoryError) as exc:
            if not create:
                raise GitStoreError(
                    f"{path} is not a git repository",
                    hint="Point --repo at a git work tree, or at an empty directory to create one.",
                ) from exc
            if path.exists() and any(p for p in path.iterdir() if not _is_init_dir(p)):
                raise GitStoreError(
                    f"{path} exists, is not empty, and is not a git repository",
                    hint="Use an empty or new directory for the backup repository.",
                ) from exc
            repo = _init(path, branch)
        _clear_dead_inits(path)
        if repo.bare:
            repo.close()
            raise GitStoreError(f"{path} is a bare repository; clone it and point at the clone")
        store = cls(repo, branch=branch)
        store._checkout_branch()
        return store

    @classmethod
    def clone(cls, url: str, path: Path, *, branch: str = "main") -> GitStore:
        """Clone `url` into `path`, or open the clone already there (`pull` updates it)."""
        path = Path(path)
        if (path / ".git").exists():
            return cls.open(path, branch=branch, create=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            repo = git.Repo.clone_from(url, path)
        except git.GitCommandError as exc:
            raise GitStoreError(
                f"cannot clone {safe_url(url)}: {git_reason(exc.stderr)}",
                hint="Check the URL and that this machine's git credentials can read it.",
            ) from exc
        store = cls(repo, branch=branch)
        store._checkout_branch()
        return store

    def _checkout_branch(self) -> None:
        repo = self._repo
        if not repo.head.is_valid():
            # Unborn HEAD (a new repository): just point it at our branch.
            repo.git.symbolic_ref("HEAD", f"refs/heads/{self.branch}")
            return
        if repo.head.is_detached or repo.active_branch.name != self.branch:
            if self.branch in repo.heads:
                repo.git.checkout(self.branch)
            elif "origin" in [r.name for r in repo.remotes] and self._remote_has_branch():
                repo.git.checkout("-b", self.branch, "--track", f"origin/{self.branch}")
            else:
                repo.git.checkout("-b", self.branch)

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        self.unlock()
        self._repo.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def lock(
        self, *, wait: float = 0.0, poll: float = 0.2, on_wait: Callable[[], None] | None = None
    ) -> None:
        """Hold an exclusive lock so two jobs never write the same work tree at once.

        With `wait`, wait up to that many seconds for a job holding it to finish (calling
        `on_wait` once when it starts waiting). The lock
        belongs to this open store: a second `lock()` in the same process on another store
        of the same repository waits like any other job (flock locks are per open file).

        Once held, what a killed job left in .git is cleared (see `_recovery`), and noted
        in `recovered`: raises `IndexLockedError` (without the lock) when git's
        index.lock may belong to a git command still running.
        """
        if self._lock is not None:
            return
        handle = open(self.git_dir / _LOCK_FILE, "w", encoding="utf-8")  # noqa: SIM115
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    handle.close()
                    waited = f"; waited {wait:.0f} s" if wait else ""
                    raise RepositoryBusyError(
                        f"another difyops job is writing {self.root}{waited}",
                        hint="Wait for it to finish; a crashed job releases the lock when "
                        "it exits.",
                    ) from exc
                if on_wait is not None:
                    on_wait()
                    on_wait = None
                time.sleep(poll)
        self._lock = handle
        try:
            self._clear_leftovers(acquired_at=time.time())
        except BaseException:
            self.unlock()
            raise

    def _clear_leftovers(self, *, acquired_at: float) -> None:
        """A dead run's temporary files and git index lock: nobody else can be using them
        now, since this store holds the lock and they are older than it."""
        clear_orphan_temp_files(self.git_dir, older_than=acquired_at)
        note = clear_stale_index_lock(self.root, self.git_dir, older_than=acquired_at)
        if note:
            self.recovered.append(note)

    def unlock(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    # -- committing ------------------------------------------------------------------------

    def discard_changes(self, paths: Sequence[str]) -> list[str]:
        """Put `paths` back to their committed state, dropping untracked files there.

        Used before a job writes: whatever a killed earlier run left half-done is thrown
        away and done again, so each commit describes exactly what it contains.
        """
        dirty = [p for path in paths for p in self.changed_paths(path)]
        if not dirty:
            return []
        if self.has_commits():
            self._repo.git.reset("-q", "HEAD", "--", *paths)
        else:
            self._repo.git.rm("-r", "-q", "--cached", "--ignore-unmatch", "--", *paths)
        existing = [p for p in paths if self._tracked(p)]
        if existing:
            self._repo.git.checkout("HEAD", "--", *existing)
        self._repo.git.clean("-fdq", "--", *paths)
        return dirty

    def commit_all(self, message: str, *, author: Author, paths: Sequence[str] = ()) -> str | None:
        """Stage everything under `paths` (additions, edits, deletions; default: the whole
        work tree) and commit once. Returns the new commit's sha, or None when nothing
        changed."""
        scope = [p for p in paths if self.path(p).exists() or self._tracked(p)] or (
            [] if paths else ["."]
        )
        if not scope:
            return None
        self._repo.git.add("--all", "--", *scope)
        if not self._repo.git.diff("--cached", "--name-only", "--", *scope):
            return None
        actor = author.actor()
        env = {
            "GIT_AUTHOR_NAME": actor.name or "",
            "GIT_AUTHOR_EMAIL": actor.email or "",
            "GIT_COMMITTER_NAME": actor.name or "",
            "GIT_COMMITTER_EMAIL": actor.email or "",
        }
        # The message goes through a file: the body of a large first backup names every app
        # and outgrows what one argument may hold (128 KiB on Linux).
        message_file = Path(self._repo.git_dir) / "DIFYOPS_COMMIT_MSG"
        message_file.write_text(message, encoding="utf-8")
        try:
            with self._repo.git.custom_environment(**env):
                # Only the paths in scope: whatever else the user has staged stays staged.
                self._repo.git.commit(
                    "--quiet", "--no-verify", "-F", str(message_file), "--", *scope
                )
        finally:
            message_file.unlink(missing_ok=True)
        return self._repo.head.commit.hexsha


def _is_init_dir(entry: Path) -> bool:
    return entry.name.startswith(_INIT_PREFIX) and entry.is_dir()


def _init(path: Path, branch: str) -> git.Repo:
    """`git init` in a directory of its own under `path`, its .git then renamed into
    place (one atomic step); when another run got there first, its repository is used."""
    path.mkdir(parents=True, exist_ok=True)
    scratch = path / f"{_INIT_PREFIX}{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(scratch, ignore_errors=True)
    git.Repo.init(scratch, initial_branch=branch).close()
    try:
        (scratch / ".git").rename(path / ".git")
    except OSError:
        if not (path / ".git" / "HEAD").is_file():
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return git.Repo(path)


def _clear_dead_inits(path: Path) -> None:
    """Remove the init directories of runs that are no longer running."""
    for entry in path.iterdir():
        if not _is_init_dir(entry):
            continue
        pid = entry.name.removeprefix(_INIT_PREFIX).split("-")[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
