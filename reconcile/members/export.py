"""Adoption: the current membership of a workspace written as a manifest. Pure.

Start from reality (peribolos `--dump`): export, commit, then edit. Planning the exported
manifest right away shows no changes — owners, console-only roles and pending invitees
are written with the role they have, which acknowledges them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from dify_client.models.workspaces import Member
from dsl.yaml_io import dump_roundtrip
from reconcile.members.manifest import DEFAULT_MAX_REMOVAL_RATIO, MANIFEST_VERSION, NamedWorkspace

ROLE_ORDER = ("owner", "admin", "editor", "normal", "dataset_operator")

HEADER = """\
Members of workspace "{name}", exported by `difyops members export`.
Only normal and admin can be assigned through the API; owner, editor and
dataset_operator are set in the Dify console and listed here to acknowledge them.
prune: true removes members missing from this list (at most max_removal_ratio per run)."""


def manifest_from_members(
    workspace: NamedWorkspace, members: Sequence[Member], *, base_url: str | None = None
) -> str:
    """Manifest text (the difyops YAML dialect) describing `members` as they are."""
    entry = CommentedMap()
    entry["id"] = workspace.id
    entry.yaml_add_eol_comment(workspace.name, "id")
    if base_url:
        entry["host"] = base_url
    entry["prune"] = False
    entry["max_removal_ratio"] = DEFAULT_MAX_REMOVAL_RATIO
    listed = CommentedSeq()
    for member in sorted(members, key=_rank):
        row = CommentedMap()
        row["email"] = member.email.lower()
        row["role"] = member.role
        if member.status != "active":
            note = "pending invitation" if member.status == "pending" else member.status
            row.yaml_add_eol_comment(note, "role")
        listed.append(row)
    entry["members"] = listed
    document = CommentedMap()
    document["version"] = MANIFEST_VERSION
    document["workspaces"] = CommentedSeq([entry])
    document.yaml_set_start_comment(HEADER.format(name=workspace.name))
    return dump_roundtrip(document)


def _rank(member: Member) -> tuple[int, str]:
    role = ROLE_ORDER.index(member.role) if member.role in ROLE_ORDER else len(ROLE_ORDER)
    return role, member.email.lower()
