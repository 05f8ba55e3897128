"""Keeping the branch in step with origin: fetch, rebase, push (never forced)."""

from __future__ import annotations

import contextlib

import git

from gitstore._errors import GitStoreError, PushRejectedError, git_reason
from gitstore._worktree import WorkTree


class RemoteSync(WorkTree):
    """The branch and its origin (a job pulls before it writes and pushes after)."""

    def pull(self) -> None:
        """Bring the branch up to date with origin (rebasing local commits), if any."""
        self._sync_with_remote()

    def _remote_has_branch(self) -> bool:
        return any(ref.remote_head == self.branch for ref in self._repo.remote("origin").refs)

    def _sync_with_remote(self) -> None:
        if not self.has_remote():
            return
        self._fetch()
        if self._remote_has_branch() and self._repo.head.is_valid():
            self._rebase_onto_remote()

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
                        f"push to origin failed: {git_reason(exc.stderr)}",
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
            raise GitStoreError(f"fetch from origin failed: {git_reason(exc.stderr)}") from exc

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
