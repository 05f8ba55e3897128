"""Where a command reads apps from, as given on the command line: a workspace (id or
exact name) or `git:REF[:PATH]`, a workspace directory of the backup repository at a ref.
Shared by `promote` (its --from and --to) and `drift` (its --desired); `restore` and
`drift` read the backup's index to choose a directory when none is given."""

from __future__ import annotations

from pathlib import Path

from jobs import GitSide, WorkspaceSide
from tasks.backup.history import BackupWorkspace, workspaces_at


def side_from_flag(value: str, profile: str | None, repo: Path) -> WorkspaceSide | GitSide:
    if value.startswith("git:"):
        ref, _, path = value.removeprefix("git:").partition(":")
        return GitSide(repo=str(repo), ref=ref or "HEAD", path=path or None)
    return WorkspaceSide(workspace=value, profile=profile)


def backup_dir_for(
    repo: Path, ref: str, workspace: str, *, app: str | None = None
) -> tuple[str | None, list[BackupWorkspace]]:
    """The workspace directory of the backup at `ref` that a command means when it gives
    none: the one of `workspace` (id or name, as the index records it), holding `app` when
    one is named, else the only directory holding `app`. None when the backup has a single
    directory (the reader takes it) or no choice is clear; the directories come along."""
    dirs = workspaces_at(str(repo), ref)
    if len(dirs) <= 1:
        return None, dirs
    holding = [d for d in dirs if app is None or app in d.app_names]
    own = [d for d in holding if workspace in (d.workspace_id, d.workspace_name)]
    for choice in (own, holding if app is not None else []):
        if len(choice) == 1:
            return choice[0].directory, dirs
    return None, dirs
