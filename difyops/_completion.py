"""Shell completion of profiles, workspaces and app modes, from local files only.

A completion runs on every Tab press: it never calls a server. Profiles come from the
local config (`config.json`), app modes are a fixed vocabulary, and workspaces from a
cache file in the config directory (`workspaces-cache.json`) that the commands listing
workspaces rewrite (`workspaces list`, and any command given a workspace by name). A
cache that is missing, unreadable or stale completes less, never fails.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from dify_client.models import Workspace
    from dify_client.profiles import ProfileStore

# The client (httpx, pydantic) is imported only when a completion or the cache needs it:
# every command's options name these callbacks, and `--help` must not load the client.

CACHE_FILE = "workspaces-cache.json"
# Profile options a command may hold, whose host narrows the workspaces offered.
PROFILE_PARAMS = ("profile", "to_profile", "from_profile", "desired_profile")


def _matching(values: Iterable[str], incomplete: str) -> list[str]:
    prefix = incomplete.casefold()
    return sorted({v for v in values if v.casefold().startswith(prefix)})


def complete_profiles(incomplete: str) -> list[str]:
    """Names of the profiles in the local config."""
    try:
        return _matching(_profiles().load().profiles, incomplete)
    except Exception:  # noqa: BLE001 — a broken config completes nothing, never a traceback
        return []


def complete_modes(incomplete: str) -> list[str]:
    """App modes, as a DSL names them."""
    from dsl import KNOWN_APP_MODES  # noqa: PLC0415 — only when completing a mode

    return _matching(KNOWN_APP_MODES, incomplete)


def complete_workspaces(ctx: typer.Context, incomplete: str) -> list[str]:
    """Workspace names (ids when the word typed so far starts one) from the local cache,
    those of the chosen profile's host when it is known, else of every cached host."""
    try:
        cache = _read_cache()
        host = _host_of(ctx)
        entries = cache.get(host, []) if host in cache else [e for v in cache.values() for e in v]
        names = [str(e["name"]) for e in entries if e.get("name")]
        ids = [str(e["id"]) for e in entries if e.get("id")]
        return _matching(names, incomplete) or _matching(ids, incomplete)
    except Exception:  # noqa: BLE001 — a broken cache completes nothing, never a traceback
        return []


def remember_workspaces(host: str, workspaces: Iterable[Workspace]) -> None:
    """Record the workspaces a host listed, for completion; never fails the command."""
    try:
        cache = _read_cache()
        cache[host.rstrip("/")] = [{"id": w.id, "name": w.name} for w in workspaces]
        text = json.dumps(cache, indent=2, ensure_ascii=False) + "\n"
        from dify_client import write_atomic  # noqa: PLC0415

        write_atomic(_config_dir() / CACHE_FILE, text, private=True)
    except Exception:  # noqa: BLE001, S110 — a cache is optional
        pass


def _read_cache() -> dict[str, list[dict[str, Any]]]:
    path = _config_dir() / CACHE_FILE
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        return {}
    return {
        str(k): [e for e in v if isinstance(e, dict)]
        for k, v in data.items()
        if isinstance(v, list)
    }


def _host_of(ctx: typer.Context) -> str | None:
    """The host the command line points at: a profile option, else DIFY_SERVER, else the
    default profile's."""
    named = next((ctx.params.get(p) for p in PROFILE_PARAMS if ctx.params.get(p)), None)
    if named is None and os.environ.get("DIFY_SERVER"):
        return os.environ["DIFY_SERVER"].rstrip("/")
    found = _profiles().get(named or os.environ.get("DIFYOPS_PROFILE") or None)
    return found[1].host.rstrip("/") if found else None


def _profiles() -> ProfileStore:
    from dify_client.profiles import ProfileStore  # noqa: PLC0415

    return ProfileStore()


def _config_dir() -> Path:
    from dify_client.profiles import config_dir  # noqa: PLC0415

    return config_dir()
