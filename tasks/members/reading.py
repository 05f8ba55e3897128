"""The members job's reads: the manifest, the live members, the plan, an export.

Free of Prefect, so the read-only commands (`members plan`, `members export`) start
without loading it; `tasks.members.steps` wraps them as the job's tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from dify_client import MAX_PAGE_LIMIT
from dsl import DslError, DslParseError, read_text_file
from jobs import MembersSyncSettings, Source
from reconcile.errors import ManifestError
from reconcile.members import live
from reconcile.members.export import manifest_from_members
from reconcile.members.loader import load_manifest
from reconcile.members.manifest import MembersManifest
from reconcile.members.run import MembersPlanSet
from tasks.members.adapters import reader_opener
from tasks.sources import open_client

__all__ = ["export_manifest", "plan_manifest", "plan_members", "read_manifest"]


def read_manifest(path: str) -> MembersManifest:
    """The manifest at `path`; a `ManifestError` naming the file (and the place in it) when
    it cannot be read, is above 10 MB or is not UTF-8, or does not validate."""
    try:
        text = read_text_file(path, dsl=False)
    except DslParseError as error:
        raise ManifestError(
            f"{path}:{error.line}:{error.column}: {error.message}", hint=error.hint
        ) from None
    except DslError as error:
        reason = str(error).removeprefix(f"{path}: cannot read file: ")
        raise ManifestError(
            f"{path}: cannot read the members manifest: {reason}",
            hint="Give the path of a members manifest; exporting a workspace's members writes one.",
        ) from None
    return load_manifest(text, source=path)


def plan_members(
    settings: MembersSyncSettings, source: Source, say: Callable[[str], None] | None = None
) -> MembersPlanSet:
    """Read the manifest and the live members of each of its workspaces; plan them all.
    `say` hears each read as it is made (a long plan is not silent)."""
    return plan_manifest(read_manifest(settings.manifest), settings, source, say)


def plan_manifest(
    manifest: MembersManifest,
    settings: MembersSyncSettings,
    source: Source,
    say: Callable[[str], None] | None = None,
) -> MembersPlanSet:
    """Plan an already loaded manifest (the live reads and the planning, nothing local)."""
    return live.plan_manifest(
        manifest,
        reader_opener(source, settings.rate_limit, say),
        manifest_path=settings.manifest,
        only=settings.only,
        overrides=settings.overrides,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def export_manifest(source: Source, workspace_id: str) -> str:
    """The workspace's current membership as manifest text (adoption)."""
    with open_client(source) as client:
        workspace = client.workspaces.get(workspace_id)
        members = list(client.members.list(workspace.id, limit=MAX_PAGE_LIMIT))
        return manifest_from_members(workspace, members, base_url=client.base_url)
