"""What a killed job leaves in .git, and how a job holding the repository lock clears it.

Two leftovers: temporary files of atomic writes (`difyops-tmp/`), and git's own
`index.lock` when git was killed in the middle of `git add` or `git commit`. Both are
cleared only by a job that holds the difyops lock, and only when they are older than that
lock: then no difyops job can be writing them. `index.lock` may also be a person's git,
running now (`git commit` waiting for its editor holds it for minutes), so it is removed
only when no git process works in the repository.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from gitstore._errors import GitStoreError

TMP_DIR = "difyops-tmp"
INDEX_LOCK = "index.lock"
STALE_INDEX_LOCK_NOTE = "removed a stale .git/index.lock left by an interrupted run"

# Long-lived readers GitPython keeps open on the repository; they never take index.lock.
_READ_ONLY_SUBCOMMANDS = ("cat-file",)


class IndexLockedError(GitStoreError):
    """git's index.lock is there, and a git process may be holding it."""


def clear_orphan_temp_files(git_dir: Path, *, older_than: float) -> int:
    """Remove temporary files a dead run left; how many were removed."""
    removed = 0
    tmp_dir = git_dir / TMP_DIR
    if not tmp_dir.is_dir():
        return 0
    for leftover in tmp_dir.iterdir():
        with contextlib.suppress(OSError):
            if leftover.is_file() and leftover.stat().st_mtime < older_than:
                leftover.unlink()
                removed += 1
    return removed


def clear_stale_index_lock(root: Path, git_dir: Path, *, older_than: float) -> str | None:
    """Remove an `index.lock` no process can be holding and say so; None when there was
    none. Raises `IndexLockedError` when a git process may still hold it."""
    lock_file = git_dir / INDEX_LOCK
    try:
        written = lock_file.stat().st_mtime
    except FileNotFoundError:
        return None
    busy = git_processes_in(root, git_dir)
    if written >= older_than or busy is None or busy:
        raise _locked_error(lock_file, root, busy)
    with contextlib.suppress(FileNotFoundError):
        lock_file.unlink()
    return STALE_INDEX_LOCK_NOTE


def git_processes_in(root: Path, git_dir: Path) -> list[int] | None:
    """Pids of git processes working in the repository; None when this system cannot say
    (no /proc), which counts as busy."""
    proc = Path("/proc")
    if not (proc / "self" / "cwd").exists():
        return None
    places = [root.resolve(), git_dir.resolve()]
    found = []
    for entry in proc.iterdir():
        if entry.name.isdigit() and _is_git_in(entry, places):
            found.append(int(entry.name))
    return sorted(found)


def _is_git_in(process: Path, places: list[Path]) -> bool:
    try:
        if not (process / "comm").read_text(encoding="utf-8").startswith("git"):
            return False
        args = (process / "cmdline").read_bytes().split(b"\0")
        if any(a.decode(errors="replace") in _READ_ONLY_SUBCOMMANDS for a in args[1:3]):
            return False
        where = [Path(os.readlink(process / "cwd"))]
        where += _git_dir_variables(process)
    except OSError:
        # Gone already, or another user's process (which cannot write our repository).
        return False
    return any(_within(w, place) for w in where for place in places)


def _git_dir_variables(process: Path) -> list[Path]:
    """GIT_DIR / GIT_WORK_TREE of a git run from elsewhere, when we may read them."""
    with contextlib.suppress(OSError):
        variables = (process / "environ").read_bytes().split(b"\0")
        return [
            Path(v.split(b"=", 1)[1].decode(errors="replace"))
            for v in variables
            if v.startswith((b"GIT_DIR=", b"GIT_WORK_TREE="))
        ]
    return []


def _within(path: Path, place: Path) -> bool:
    with contextlib.suppress(OSError, RuntimeError):
        path = path.resolve()
    return path == place or place in path.parents


def _locked_error(lock_file: Path, root: Path, busy: list[int] | None) -> IndexLockedError:
    if busy:
        why = f"a git command is running there (pid {', '.join(map(str, busy))})"
    elif busy is None:
        why = "this system cannot tell whether a git command is running there"
    else:
        why = "a git command created it while this job was starting"
    return IndexLockedError(
        f"git's {lock_file} exists and {why}; nothing was changed",
        hint=f"Let that git command finish and run again; if none is running in {root}, "
        f"remove {lock_file} and run again.",
    )
