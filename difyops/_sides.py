"""Where a command reads apps from, as given on the command line: a workspace (id or
exact name) or `git:REF[:PATH]`, a workspace directory of the backup repository at a ref.
Shared by `promote` (its --from and --to) and `drift` (its --desired)."""

from __future__ import annotations

from pathlib import Path

from jobs import GitSide, WorkspaceSide


def side_from_flag(value: str, profile: str | None, repo: Path) -> WorkspaceSide | GitSide:
    if value.startswith("git:"):
        ref, _, path = value.removeprefix("git:").partition(":")
        return GitSide(repo=str(repo), ref=ref or "HEAD", path=path or None)
    return WorkspaceSide(workspace=value, profile=profile)
