"""A git working tree used as a store of text files, committed in one step per job."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Self

import git

from gitstore._errors import GitStoreError, PushRejectedError

# Temporary files live inside .git so that a crash can never leave one in the work tree
# (where `git add` would pick it up); .git is on the same filesystem, so rename is atomic.
_TMP_DIR = "difyops-tmp"
_LOCK_FILE = "difyops.lock"


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    def actor(self) -> git.Actor:
        return git.Actor(self.name, self.email)


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    date: str  # ISO 8601 with offset
    author: str
    subject: str
    message: str


class GitStore:
    """Open with `GitStore.open(path)` or `GitStore.clone(url, path)`; use as a context
    manager. Paths are POSIX paths relative to the work tree root."""

    def __init__(self, repo: git.Repo, *, branch: str) -> None:
        self._repo = repo
        self.branch = branch
        self.root = Path(repo.working_tree_dir or ".")
        self._lock: IO[str] | None = None

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
            if path.exists() and any(path.iterdir()):
                raise GitStoreError(
                    f"{path} exists, is not empty, and is not a git repository",
                    hint="Use an empty or new directory for the backup repository.",
                ) from exc
            path.mkdir(parents=True, exist_ok=True)
            repo = git.Repo.init(path, initial_branch=branch)
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
                f"cannot clone {_safe_url(url)}: {_last_line(exc.stderr)}",
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

    def _remote_has_branch(self) -> bool:
        return any(ref.remote_head == self.branch for ref in self._repo.remote("origin").refs)

    def _sync_with_remote(self) -> None:
        if not self.has_remote():
            return
        self._fetch()
        if self._remote_has_branch() and self._repo.head.is_valid():
            self._rebase_onto_remote()

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def git_dir(self) -> Path:
        """The repository's .git directory (for state that must never be committed)."""
        return Path(self._repo.git_dir)

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

    def lock(self) -> None:
        """Hold an exclusive lock so two jobs never write the same work tree at once."""
        handle = open(Path(self._repo.git_dir) / _LOCK_FILE, "w", encoding="utf-8")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.close()
            raise GitStoreError(
                f"another difyops job is writing {self.root}",
                hint="Wait for it to finish; a crashed job releases the lock when it exits.",
            ) from exc
        self._lock = handle

    def unlock(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    # -- files ---------------------------------------------------------------------------

    def path(self, relpath: str) -> Path:
        clean = PurePosixPath(relpath)
        if clean.is_absolute() or ".." in clean.parts or not clean.parts:
            raise GitStoreError(f"refusing a path outside the repository: {relpath!r}")
        return self.root.joinpath(*clean.parts)

    def read_text(self, relpath: str) -> str | None:
        target = self.path(relpath)
        return target.read_text(encoding="utf-8") if target.is_file() else None

    def write_text(self, relpath: str, text: str) -> bool:
        """Write atomically; False (and no write) when the file already holds `text`."""
        target = self.path(relpath)
        if target.is_file() and target.read_bytes() == text.encode("utf-8"):
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp_dir = Path(self._repo.git_dir) / _TMP_DIR
        tmp_dir.mkdir(exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            # mkstemp makes 0600 files; a backup file gets the mode any new file would.
            # (Not dify_client.write_atomic: gitstore is a leaf, and its temporary files
            # live under .git so a crash never leaves one in the work tree.)
            os.chmod(tmp_name, _new_file_mode())
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        return True

    def remove(self, relpath: str) -> bool:
        target = self.path(relpath)
        if not target.exists():
            return False
        target.unlink()
        with contextlib.suppress(OSError):
            # Drop directories the removal left empty, up to the root.
            parent = target.parent
            while parent != self.root and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        return True

    def glob(self, prefix: str, pattern: str) -> list[str]:
        """Work-tree files under `prefix` matching a glob `pattern`, as POSIX paths."""
        base = self.path(prefix)
        if not base.is_dir():
            return []
        return sorted(
            p.relative_to(self.root).as_posix() for p in base.glob(pattern) if p.is_file()
        )

    def files(self, prefix: str = "") -> list[str]:
        """Files under `prefix` in the work tree (tracked or not), as POSIX paths."""
        base = self.path(prefix) if prefix else self.root
        if not base.exists():
            return []
        found = []
        for path in base.rglob("*"):
            if path.is_file() and ".git" not in path.relative_to(self.root).parts:
                found.append(path.relative_to(self.root).as_posix())
        return sorted(found)

    # -- history -------------------------------------------------------------------------

    def has_commits(self) -> bool:
        return self._repo.head.is_valid()

    def head_sha(self) -> str | None:
        return self._repo.head.commit.hexsha if self.has_commits() else None

    def resolve(self, ref: str) -> str:
        """The commit sha a ref names (branch, tag, sha, HEAD~2…)."""
        return str(self._commit(ref).hexsha)

    def _commit(self, ref: str) -> git.Commit:
        try:
            commit = self._repo.commit(ref)
        except (git.BadName, ValueError) as exc:
            raise _unknown_ref(ref, self.root) from exc
        # GitPython maps the all-zero sha to a null object without looking it up.
        if commit.binsha == git.Object.NULL_BIN_SHA:
            raise _unknown_ref(ref, self.root)
        return commit

    def parent(self, sha: str) -> str | None:
        """The first parent of a commit (None for the first commit)."""
        parents = self._commit(sha).parents
        return parents[0].hexsha if parents else None

    def read_at(self, ref: str, relpath: str) -> str | None:
        """A file's text at a commit, branch or tag; None when it does not exist there."""
        commit = self._commit(ref)
        try:
            blob = commit.tree / relpath
        except KeyError:
            return None
        data: bytes = blob.data_stream.read()
        return data.decode("utf-8")

    def files_at(self, ref: str, prefix: str = "") -> list[str]:
        """Files at a commit, under the directory `prefix` (like `files`)."""
        commit = self._commit(ref)
        under = prefix.rstrip("/") + "/" if prefix else ""
        paths = [
            str(item.path)
            for item in commit.tree.traverse()
            if isinstance(item, git.Blob) and str(item.path).startswith(under)
        ]
        return sorted(paths)

    def log(self, relpath: str | None = None, *, max_count: int = 50) -> list[CommitInfo]:
        """Commits touching `relpath` (following renames), newest first."""
        if not self.has_commits():
            return []
        args = ["--follow", "--", relpath] if relpath else []
        shas = self._repo.git.log(f"--max-count={max_count}", "--format=%H", *args).split()
        return [self._commit_info(sha) for sha in shas]

    def _commit_info(self, sha: str) -> CommitInfo:
        commit = self._repo.commit(sha)
        message = str(commit.message)
        return CommitInfo(
            sha=commit.hexsha,
            date=commit.committed_datetime.isoformat(),
            author=f"{commit.author.name} <{commit.author.email}>",
            subject=message.splitlines()[0] if message else "",
            message=message,
        )

    def renames_in(self, sha: str) -> dict[str, str]:
        """old path → new path for files git sees as renamed in commit `sha`."""
        out = self._repo.git.show("--format=", "--name-status", "-M", sha)
        renames = {}
        for line in out.splitlines():
            parts = line.split("\t")
            if parts and parts[0].startswith("R") and len(parts) == 3:
                renames[parts[1]] = parts[2]
        return renames

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

    def pull(self) -> None:
        """Bring the branch up to date with origin (rebasing local commits), if any."""
        self._sync_with_remote()

    def _tracked(self, relpath: str) -> bool:
        return bool(self.has_commits() and self._repo.git.ls_files("--", relpath))

    def changed_paths(self, prefix: str = "", *, untracked: bool = True) -> list[str]:
        scope = [prefix] if prefix else []
        show = "--untracked-files=all" if untracked else "--untracked-files=no"
        status = self._repo.git.status("--porcelain", show, "--", *scope)
        return [line[3:] for line in status.splitlines() if line.strip()]

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
        with self._repo.git.custom_environment(**env):
            # Only the paths in scope: whatever else the user has staged stays staged.
            self._repo.git.commit("--quiet", "--no-verify", "-m", message, "--", *scope)
        return self._repo.head.commit.hexsha

    # -- remote ----------------------------------------------------------------------------

    def has_remote(self) -> bool:
        return "origin" in [r.name for r in self._repo.remotes]

    def push(self) -> None:
        """Push the branch to origin; if origin moved on, rebase onto it and push again.

        Never forces. A rebase that conflicts is aborted, leaving the local commit intact,
        and reported.
        """
        if not self.has_remote():
            raise GitStoreError(
                "the repository has no 'origin' remote to push to",
                hint="Add one with `git remote add origin URL`, or run without --push.",
            )
        for _ in range(3):
            try:
                self._repo.git.push("--porcelain", "origin", f"HEAD:refs/heads/{self.branch}")
                self._repo.git.branch(f"--set-upstream-to=origin/{self.branch}")
                return
            except git.GitCommandError as exc:
                if "rejected" not in str(exc.stderr) and "rejected" not in str(exc.stdout):
                    raise GitStoreError(
                        f"push to origin failed: {_last_line(exc.stderr)}",
                        hint="Check the remote URL and this machine's git credentials.",
                    ) from exc
            self._fetch()
            self._rebase_onto_remote()
        raise PushRejectedError(
            "the remote kept moving while pushing; nothing was forced",
            hint="Run the job again.",
        )

    def _fetch(self) -> None:
        try:
            self._repo.git.fetch("--quiet", "origin")
        except git.GitCommandError as exc:
            raise GitStoreError(f"fetch from origin failed: {_last_line(exc.stderr)}") from exc

    def _rebase_onto_remote(self) -> None:
        upstream = f"origin/{self.branch}"
        # Untracked files do not stop a rebase (git refuses by itself if one is in the way).
        dirty = self.changed_paths(untracked=False)
        if dirty:
            raise GitStoreError(
                f"cannot bring {self.root} up to date with origin: it has uncommitted "
                f"changes ({', '.join(dirty[:5])}{'…' if len(dirty) > 5 else ''})",
                hint="Commit or discard them (they are not the backup's), then run again.",
            )
        # Replayed commits are committed again: by whoever committed the one at HEAD (the
        # job's own identity), so a machine without a git identity can still rebase.
        head = self._repo.head.commit.committer
        env = {"GIT_COMMITTER_NAME": head.name or "", "GIT_COMMITTER_EMAIL": head.email or ""}
        try:
            with self._repo.git.custom_environment(**env):
                self._repo.git.rebase(upstream)
        except git.GitCommandError as exc:
            with contextlib.suppress(git.GitCommandError):
                self._repo.git.rebase("--abort")
            raise PushRejectedError(
                f"the remote branch {self.branch!r} has commits that conflict with this job's "
                "commit; nothing was pushed and nothing was forced",
                hint=f"Resolve by hand in {self.root} (git pull --rebase), then run again.",
            ) from exc


@functools.cache
def _new_file_mode() -> int:
    # The umask can only be read by setting it; done once, before any thread needs it.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _unknown_ref(ref: str, root: Path) -> GitStoreError:
    return GitStoreError(
        f"unknown git ref {ref!r} in {root}",
        hint="Use a commit sha, a branch or a tag of the backup repository.",
    )


def _last_line(text: object) -> str:
    """git's reason for failing: its `fatal:`/`error:` line, else its last line."""
    raw = str(text or "").strip()
    # GitPython wraps git's stderr as "stderr: '…'".
    if raw.startswith("stderr: '"):
        raw = raw.removeprefix("stderr: '").removesuffix("'")
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    reasons = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return (reasons or lines or ["unknown git error"])[0 if reasons else -1]


def _safe_url(url: str) -> str:
    """A remote URL without any credentials embedded in it."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
