"""Files written atomically: a reader or a crash never sees half a file.

The one writer for everything difyops keeps on disk outside git (profiles, credentials,
plan files, exported DSL); `gitstore` keeps its own because it may import nothing of ours.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

PRIVATE_MODE = 0o600


def write_atomic(path: Path, content: str | bytes, *, private: bool = False) -> None:
    """Replace `path` with `content` in one step, creating its directory if needed.

    `private` files are 0600 from their first byte, and an existing file's mode is
    tightened to 0600. Others keep an existing file's mode, or get the mode a new file
    would (0666 less the umask). On any failure the old file is untouched and no
    temporary file is left behind.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.is_dir():
        # os.replace would name the temporary file in its refusal, not the path given.
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    mode = PRIVATE_MODE if private else _mode_for(path)
    # mkstemp creates the file 0600, so a secret is never readable by others, even briefly.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode != PRIVATE_MODE:
            os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return _new_file_mode()


def _new_file_mode() -> int:
    """The mode `open()` would give a new file: 0666 less the umask."""
    # The umask can only be read by setting it; it is put back at once.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask
