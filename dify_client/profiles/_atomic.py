"""Private files written atomically: a crash never leaves half a credentials file."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from dify_client._files import write_atomic


def ensure_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    # mkdir's mode is masked by the umask and ignored for existing directories.
    with contextlib.suppress(PermissionError):
        os.chmod(path, 0o700)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600 in a 0700 directory, atomically."""
    ensure_private_dir(path.parent)
    write_atomic(path, text, private=True)
