"""Where difyops keeps its configuration and credentials."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def config_dir() -> Path:
    """`DIFYOPS_CONFIG_DIR`, else the platform's config location (XDG on Linux)."""
    override = os.environ.get("DIFYOPS_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("APPDATA")
        return Path(base) / "difyops" if base else Path.home() / "difyops"
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "difyops"
