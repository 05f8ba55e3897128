"""The work tree as a store of text files: safe paths, atomic writes, listings, status."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from pathlib import Path, PurePosixPath

from gitstore._base import RepoHandle
from gitstore._errors import GitStoreError
from gitstore._recovery import TMP_DIR as _TMP_DIR

# Temporary files live inside .git so that a crash can never leave one in the work tree
# (where `git add` would pick it up); .git is on the same filesystem, so rename is atomic.
# A killed run's are removed by the next job that takes the lock (`_recovery`).


class WorkTree(RepoHandle):
    """Paths are POSIX paths relative to the work tree root."""

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
        tmp_dir = self.git_dir / _TMP_DIR
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

    def _tracked(self, relpath: str) -> bool:
        return bool(self.has_commits() and self._repo.git.ls_files("--", relpath))

    def changed_paths(self, prefix: str = "", *, untracked: bool = True) -> list[str]:
        scope = [prefix] if prefix else []
        show = "--untracked-files=all" if untracked else "--untracked-files=no"
        status = self._repo.git.status("--porcelain", show, "--", *scope)
        return [line[3:] for line in status.splitlines() if line.strip()]


@functools.cache
def _new_file_mode() -> int:
    # The umask can only be read by setting it; done once, before any thread needs it.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask
