"""Reading the repository's history: refs, files at a commit, logs and renames."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import git

from gitstore._base import RepoHandle
from gitstore._errors import GitStoreError


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    date: str  # ISO 8601 with offset
    author: str
    subject: str
    message: str


class History(RepoHandle):
    """Read-only: nothing here changes the work tree, the index or a ref."""

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

    def log(
        self, relpath: str | None = None, *, max_count: int = 50, ref: str | None = None
    ) -> list[CommitInfo]:
        """Commits touching `relpath` (following renames), newest first, reachable from
        `ref` (default: the checked-out branch)."""
        if not self.has_commits():
            return []
        start = [self.resolve(ref)] if ref else []
        args = ["--follow", "--", relpath] if relpath else []
        shas = self._repo.git.log(f"--max-count={max_count}", "--format=%H", *start, *args).split()
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


def _unknown_ref(ref: str, root: Path) -> GitStoreError:
    return GitStoreError(
        f"unknown git ref {ref!r} in {root}",
        hint="Use a commit sha, a branch or a tag of the backup repository.",
    )
