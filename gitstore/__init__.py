"""The only code that talks to git (through GitPython).

A `GitStore` is opened for one job and closed after it: GitPython leaks resources in
long-running processes, so no `Repo` outlives a flow run.
"""

from gitstore._errors import GitStoreError, PushRejectedError
from gitstore._history import CommitInfo
from gitstore._recovery import STALE_INDEX_LOCK_NOTE, IndexLockedError
from gitstore._store import Author, GitStore, RepositoryBusyError

__all__ = [
    "STALE_INDEX_LOCK_NOTE",
    "Author",
    "CommitInfo",
    "GitStore",
    "GitStoreError",
    "IndexLockedError",
    "PushRejectedError",
    "RepositoryBusyError",
]
