"""Where each app lives in the backup repository, and the per-workspace index.

Layout (documented in the README):

    <host>/<workspace-slug>/_index.yml
    <host>/<workspace-slug>/<app-slug>.yml
    <host>/<workspace-slug>/<app-slug>.published.yml   (S3 servers: the live version,
                                                        only while it differs from the draft)

Slugs are stable: once an app has a path it keeps it until its name changes (then the
file moves, and git follows the rename). Two apps with the same name never share a file:
the newcomer's slug gets the first 8 characters of its id (all of it when another app
already holds that suffix: ids made in sequence share their first characters). A
workspace keeps its directory for good once assigned (found again through the workspace
id in `_index.yml`), so a workspace rename does not move every file. Slugs start with a
letter or digit, so `_index.yml` can never collide with an app.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from slugify import slugify

from dsl.errors import DslParseError
from dsl.yaml_io import dump_roundtrip
from dsl.yaml_located import load_located

INDEX_FILE = "_index.yml"
INDEX_VERSION = 1
_MAX_SLUG = 60


PUBLISHED_SUFFIX = ".published.yml"


def published_path(path: str) -> str:
    """`ws/helpdesk.yml` → `ws/helpdesk.published.yml` (slugs hold no dots: no clash)."""
    return path.removesuffix(".yml") + PUBLISHED_SUFFIX


class LiveEntry(BaseModel):
    """What the backup last saw of an app's live (published) version."""

    model_config = ConfigDict(extra="forbid")

    # None: the app was never published.
    version_id: str | None = None
    # sha256 of `<app-slug>.published.yml`; None when no such file is stored (the live
    # version equals the draft, or there is none).
    published_hash: str | None = None


class IndexEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    mode: str
    path: str
    updated_at: str | None = None
    dsl_version: str | None = None
    content_hash: str
    # True when credential-looking values were replaced by a placeholder before commit.
    redacted: bool = False
    # Only for workflow and advanced-chat apps on servers that list versions (S3).
    live: LiveEntry | None = None


class WorkspaceIndex(BaseModel):
    """What the repository holds for one workspace, keyed by app id."""

    model_config = ConfigDict(extra="forbid")

    version: int = INDEX_VERSION
    host: str
    workspace_id: str
    workspace_name: str
    apps: dict[str, IndexEntry] = Field(default_factory=dict)

    def sorted(self) -> WorkspaceIndex:
        """The same index with apps ordered by path, so the file diffs cleanly."""
        ordered = dict(sorted(self.apps.items(), key=lambda item: (item[1].path, item[0])))
        return self.model_copy(update={"apps": ordered})


def parse_index(text: str | None) -> WorkspaceIndex | None:
    """The index in `text`; None when absent or unreadable (a damaged index costs only
    re-exports: the next run rebuilds it from the server)."""
    if not text:
        return None
    try:
        # Read on every run: libyaml, with the YAML 1.2 rules ruamel wrote it with (an app
        # named "on" or "12:30" must come back as that string).
        return WorkspaceIndex.model_validate(load_located(text, source=INDEX_FILE))
    except (DslParseError, ValidationError):
        return None


def dump_index(index: WorkspaceIndex) -> str:
    header = (
        "# Written by `difyops backup`: one entry per app of this workspace.\n"
        "# content_hash is the sha256 of the stored file; do not edit by hand.\n"
    )
    data = index.sorted().model_dump(mode="json")
    for entry in data["apps"].values():
        if entry.get("live") is None:
            # Absent rather than null: indexes of S2 servers stay as they always were.
            entry.pop("live", None)
    return header + dump_roundtrip(_quote_ambiguous(data))


_RESOLVER = yaml.resolver.Resolver()


def _quote_ambiguous(value: Any) -> Any:
    """Quote strings a YAML 1.1 reader (PyYAML, which Dify and most scripts use) would
    read as something else: ruamel writes YAML 1.2, where `yes` or `12:30` need no quotes."""
    if isinstance(value, dict):
        return {_quote_ambiguous(k): _quote_ambiguous(v) for k, v in value.items()}
    if isinstance(value, str) and (
        _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
        != "tag:yaml.org,2002:str"
    ):
        return DoubleQuotedScalarString(value)
    return value


class AppListing(BaseModel):
    """The listing fields the backup needs (a subset of dify_client's App row)."""

    id: str
    name: str
    mode: str
    updated_at: str | None = None


def host_dir(base_url: str) -> str:
    """`https://dify.example.com:8443/` → `dify.example.com_8443` (a directory name)."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "dify").lower()
    return f"{host}_{parts.port}" if parts.port else host


def slug(name: str, fallback_id: str, kind: str = "app") -> str:
    text = slugify(name, max_length=_MAX_SLUG, word_boundary=True)
    return text or f"{kind}-{fallback_id[:8]}"


def workspace_dir(
    host: str, workspace_id: str, workspace_name: str, existing: dict[str, str]
) -> str:
    """The directory of a workspace: its old one if known (`existing`: id → dir)."""
    if workspace_id in existing:
        return existing[workspace_id]
    base = f"{host}/{slug(workspace_name, workspace_id, kind='workspace')}"
    return _first_free(_candidates(base, workspace_id), set(existing.values()))


def assign_paths(
    directory: str,
    apps: Iterable[AppListing],
    index: WorkspaceIndex,
    held: dict[str, str] | None = None,
) -> dict[str, str]:
    """app id → repository path for every listed app.

    An app keeps its recorded path while its slug is unchanged. Otherwise it gets the plain
    slug when no other listed app keeps or wants it, else the slug with an id suffix. Paths
    of apps that are gone or renamed are free to reuse in the same run (the backup vacates
    them before writing). `held` (app id → path) pins apps to a path whatever their name:
    apps whose export failed keep their last good file, and nobody else may take it.
    """
    apps = sorted(apps, key=lambda a: a.id)
    wanted = {app.id: slug(app.name, app.id) for app in apps}
    paths: dict[str, str] = dict(held or {})
    taken: set[str] = set(paths.values())
    # Apps whose name did not change keep their file: they claim their path first.
    for app in apps:
        entry = index.apps.get(app.id)
        if (
            app.id not in paths
            and entry is not None
            and entry.path not in taken
            and entry.path.rsplit("/", 1)[0] == directory
            and _slug_of(entry.path) in _candidates(wanted[app.id], app.id)
        ):
            paths[app.id] = entry.path
            taken.add(entry.path)
    counts: dict[str, int] = {}
    for app in apps:
        counts[wanted[app.id]] = counts.get(wanted[app.id], 0) + 1
    for app in apps:
        if app.id in paths:
            continue
        candidates = _candidates(wanted[app.id], app.id)
        if counts[wanted[app.id]] > 1:
            candidates = candidates[1:]  # a shared name: nobody gets the plain slug
        stems = [f"{directory}/{stem}" for stem in candidates]
        path = _first_free(stems, {p.removesuffix(".yml") for p in taken}) + ".yml"
        paths[app.id] = path
        taken.add(path)
    return paths


def _candidates(base: str, object_id: str) -> list[str]:
    """The names an object may take, in order of preference: plain, short id suffix,
    whole id suffix (unique, since ids are)."""
    return [base, f"{base}-{object_id[:8]}", f"{base}-{object_id}"]


def _first_free(candidates: list[str], taken: set[str]) -> str:
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    # Only a hand-edited index can hold the whole-id name of another object.
    number = 2
    while f"{candidates[-1]}-{number}" in taken:
        number += 1
    return f"{candidates[-1]}-{number}"


def _slug_of(path: str) -> str:
    return path.rsplit("/", 1)[-1].removesuffix(".yml")
