"""What a backup run tells whoever watches it (the CLI's progress bar and lines)."""

from __future__ import annotations

from collections.abc import Callable

from reconcile.backup.plan import UnreachableSource, WorkspaceResult


class BackupProgress:
    """Callbacks of a run, each doing nothing here; a watcher overrides what it shows.

    They are called from the run's threads (`exported` from the export workers): an
    implementation that draws must be thread-safe (Rich's Progress is).
    """

    def source_unreachable(self, source: UnreachableSource) -> None:
        """A source of several could not be read; the others are backed up."""

    def workspace_started(self, name: str, base_url: str, to_export: int) -> None:
        """A workspace's apps are listed: `to_export` of them are exported now."""

    def exported(self, name: str) -> None:
        """An app's export ended (exported or failed)."""

    def waiting(self, seconds: float, why: str) -> None:
        """The client waits before its next request (pacing, Retry-After, a retry)."""

    def interrupting(self) -> None:
        """Ctrl-C arrived: the exports under way finish, what is done is committed."""

    def workspace_finished(self, result: WorkspaceResult) -> None:
        """A workspace's files are written (not committed yet)."""


class _Ticks(BackupProgress):
    def __init__(self, tick: Callable[[str], None]) -> None:
        self._tick = tick

    def exported(self, name: str) -> None:
        self._tick(name)


ProgressArg = BackupProgress | Callable[[str], None] | None


def as_progress(progress: ProgressArg) -> BackupProgress:
    """A watcher: the one given, a plain callable told each app's name, or a silent one."""
    if isinstance(progress, BackupProgress):
        return progress
    if progress is None:
        return BackupProgress()
    return _Ticks(progress)
