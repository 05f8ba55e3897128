"""What every part of a `GitStore` shares: the open repository, its branch and root."""

from __future__ import annotations

from pathlib import Path

import git


class RepoHandle:
    """An open GitPython repository, with the branch a job works on."""

    def __init__(self, repo: git.Repo, *, branch: str) -> None:
        self._repo = repo
        self.branch = branch
        self.root = Path(repo.working_tree_dir or ".")

    @property
    def git_dir(self) -> Path:
        """The repository's .git directory (for state that must never be committed)."""
        return Path(self._repo.git_dir)

    def has_commits(self) -> bool:
        return self._repo.head.is_valid()

    def has_remote(self) -> bool:
        return "origin" in [r.name for r in self._repo.remotes]
