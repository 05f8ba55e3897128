"""Applying a workspace's file plan to the repository's work tree."""

from __future__ import annotations

from collections.abc import Iterable

from gitstore import GitStore
from reconcile.backup.files import FileOperation, KeepFile, RemoveFile, WriteFile


def apply_files(store: GitStore, operations: Iterable[FileOperation]) -> None:
    """Apply `operations` in the order given: the planner's order is what keeps files safe."""
    for operation in operations:
        match operation:
            case RemoveFile(path=path):
                store.remove(path)
            case WriteFile(path=path, text=text):
                store.write_text(path, text)
            case KeepFile():
                pass  # a failed export's last good file: nothing to do, by design
