"""The members manifest: who belongs to which workspace, with which role. Pure.

A manifest is YAML in the difyops dialect (`dsl.yaml_io`)::

    version: 1                       # required; the only version there is
    workspaces:                      # required, a non-empty list
      - name: Acme Dev               # exactly one of `name` (exact) or `id`
        # id: d0000000-0000-4000-8000-000000000001
        profile: dev                 # optional: the difyops profile to reach it with
        host: https://dify.acme.example   # optional: refuse to run against another server
        prune: false                 # optional (default false): remove members not listed
        max_removal_ratio: 0.25      # optional (default 0.25): most members one run removes
        protect:                     # optional: emails never touched, whatever the list says
          - ada@acme.example
        members:                     # required (may be empty)
          - email: ada@acme.example
            role: owner              # owner, editor, dataset_operator: acknowledge only
          - email: grace@acme.example
            role: admin              # normal and admin: what the API can assign

`reconcile.members.loader.load_manifest` reads it strictly and reports every problem at
once, each as ``file:line:column:``: unknown keys, missing keys, wrong types, invalid or
duplicate (case-insensitive) emails, unknown roles. Whether a workspace exists needs the
live list: `match_workspace` checks that separately, still pointing at the manifest line.
Roles the API cannot assign are valid here; the planner refuses them only when they would
need a change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from dify_client.models.lookup import Named, WorkspaceLookupError, find_workspace
from reconcile.errors import ManifestError

MANIFEST_VERSION = 1
DEFAULT_MAX_REMOVAL_RATIO = 0.25
# The OpenAPI assigns only these (contract §2.7); the others are set in the console.
ASSIGNABLE_ROLES = ("normal", "admin")
ACKNOWLEDGE_ONLY_ROLES = ("owner", "editor", "dataset_operator")
ROLES = ASSIGNABLE_ROLES + ACKNOWLEDGE_ONLY_ROLES

# `promotion` belongs to the same manifest file (see reconcile.promotion.manifest).
TOP_LEVEL_KEYS = ("version", "workspaces", "promotion")
WORKSPACE_KEYS = (
    "id",
    "name",
    "profile",
    "host",
    "prune",
    "max_removal_ratio",
    "protect",
    "members",
)
MEMBER_KEYS = ("email", "role")

# Catches typos, not every RFC 5322 corner: the server is the final judge of an address.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


# A live workspace as `GET /workspaces` or `GET /account` lists it.
NamedWorkspace = Named
W = TypeVar("W", bound=Named)


@dataclass(frozen=True)
class Location:
    """A place in a manifest file, printed as ``file:line:column`` (1-based)."""

    source: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}"


@dataclass(frozen=True)
class ManifestMember:
    email: str  # lower-cased: Dify stores emails in lower case
    role: str
    at: Location  # the list item
    role_at: Location


@dataclass(frozen=True)
class WorkspaceManifest:
    """One workspace entry of a manifest."""

    source: str
    at: Location
    id: str | None
    name: str | None
    ref_at: Location  # the `id` or `name` value
    profile: str | None
    host: str | None
    host_at: Location | None
    prune: bool
    prune_at: Location | None
    max_removal_ratio: float
    ratio_at: Location | None
    protect: frozenset[str]
    members: tuple[ManifestMember, ...]

    @property
    def ref(self) -> str:
        return self.id or self.name or ""

    def member(self, email: str) -> ManifestMember | None:
        wanted = email.lower()
        return next((m for m in self.members if m.email == wanted), None)


@dataclass(frozen=True)
class MembersManifest:
    source: str
    workspaces: tuple[WorkspaceManifest, ...]


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


def match_workspace(entry: WorkspaceManifest, workspaces: Sequence[W]) -> W:
    """The live workspace a manifest entry names; `ManifestError` at its line otherwise."""
    try:
        if entry.id is not None:
            return find_workspace(workspaces, entry.id, by="id")
        return find_workspace(workspaces, entry.name or "", by="name")
    except WorkspaceLookupError as exc:
        if exc.ambiguous:
            raise ManifestError(
                f"{entry.ref_at}: {exc.message}", hint="Name the workspace by `id` instead."
            ) from None
        raise ManifestError(
            f"{entry.ref_at}: unknown workspace: {exc.message} among those this account can see",
            hint=exc.hint,
        ) from None
