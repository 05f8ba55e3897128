"""Read a members manifest strictly: every problem at once, each at ``file:line:column``.

The format is described in `reconcile.members.manifest`. The YAML is read with libyaml
through `dsl.yaml_located`, which records where each key and item is (a 5,000-member
manifest reads in a fifth of the time ruamel's round-trip loader takes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dify_client.models.lookup import near_name
from dsl.errors import DslParseError
from dsl.yaml_io import Position, item_position, key_position, value_position
from dsl.yaml_located import load_located
from reconcile.errors import ManifestError
from reconcile.members.manifest import (
    DEFAULT_MAX_REMOVAL_RATIO,
    MANIFEST_VERSION,
    MEMBER_KEYS,
    ROLES,
    TOP_LEVEL_KEYS,
    WORKSPACE_KEYS,
    Location,
    ManifestMember,
    MembersManifest,
    WorkspaceManifest,
    is_email,
)


def load_manifest(text: str, *, source: str = "<manifest>") -> MembersManifest:
    """Parse and validate a manifest; raises `ManifestError` listing every problem."""
    try:
        root = load_located(text, source=source)
    except DslParseError as error:
        raise ManifestError(
            f"{source}:{error.line}:{error.column}: {error.message}",
            hint="Fix the YAML syntax at that place.",
        ) from None
    reader = _Reader(source)
    manifest = reader.manifest(root)
    reader.raise_problems()
    assert manifest is not None  # a None result always comes with a problem
    return manifest


class _Reader:
    """Walks the loaded YAML, collecting problems instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[tuple[Position, str]] = []

    # -- reporting --------------------------------------------------------------------

    def at(self, position: Position | None) -> Location:
        line, column = position or (1, 1)
        return Location(self.source, line, column)

    def problem(self, position: Position | None, message: str) -> None:
        self.problems.append((position or (1, 1), message))

    def raise_problems(self) -> None:
        if not self.problems:
            return
        ordered = sorted(self.problems, key=lambda problem: problem[0])
        lines = [f"{self.at(position)}: {message}" for position, message in ordered]
        raise ManifestError(
            "\n".join(lines),
            hint="The members manifest format is described in the README (Workspace members "
            "as code).",
        )

    def known_keys(self, mapping: Mapping[Any, Any], allowed: Sequence[str], what: str) -> None:
        for key in mapping:
            if key not in allowed:
                near = near_name(allowed, str(key))
                guess = f"did you mean {near!r}? " if near else ""
                self.problem(
                    key_position(mapping, key),
                    f"unknown key {key!r} in {what} ({guess}expected one of: {', '.join(allowed)})",
                )

    def required(self, mapping: Mapping[Any, Any], key: str, what: str, where: Position) -> bool:
        if key in mapping:
            return True
        self.problem(where, f"missing key {key!r} in {what}")
        return False

    # -- the document -----------------------------------------------------------------

    def manifest(self, root: Any) -> MembersManifest | None:
        if not isinstance(root, Mapping):
            self.problem(
                (1, 1), "a members manifest must be a mapping with `version` and `workspaces`"
            )
            return None
        self.known_keys(root, TOP_LEVEL_KEYS, "the manifest")
        self.version(root)
        entries = self.workspace_list(root)
        return MembersManifest(source=self.source, workspaces=tuple(entries))

    def version(self, root: Mapping[Any, Any]) -> None:
        if not self.required(root, "version", "the manifest", (1, 1)):
            return
        version = root["version"]
        if isinstance(version, bool) or version != MANIFEST_VERSION:
            self.problem(
                value_position(root, "version"),
                f"unsupported version {version!r} (this difyops reads version {MANIFEST_VERSION})",
            )

    def workspace_list(self, root: Mapping[Any, Any]) -> list[WorkspaceManifest]:
        if not self.required(root, "workspaces", "the manifest", (1, 1)):
            return []
        items = root["workspaces"]
        where = value_position(root, "workspaces")
        if not isinstance(items, list) or not items:
            self.problem(where, "`workspaces` must be a non-empty list")
            return []
        entries: list[WorkspaceManifest] = []
        seen: dict[str, Location] = {}
        for index, item in enumerate(items):
            entry = self.workspace(item, item_position(items, index))
            if entry is None:
                continue
            if entry.ref in seen:
                self.problem(
                    (entry.ref_at.line, entry.ref_at.column),
                    f"workspace {entry.ref!r} is listed twice (first at line "
                    f"{seen[entry.ref].line})",
                )
                continue
            seen[entry.ref] = entry.ref_at
            entries.append(entry)
        return entries

    def workspace(self, item: Any, position: Position | None) -> WorkspaceManifest | None:
        if not isinstance(item, Mapping):
            self.problem(position, "each workspace must be a mapping (id or name, members…)")
            return None
        self.known_keys(item, WORKSPACE_KEYS, "a workspace")
        where = position or (1, 1)
        ref = self.workspace_ref(item, where)
        members = self.members(item, where)
        protect = self.protect(item)
        prune = self.flag(item, "prune", default=False)
        ratio = self.ratio(item)
        profile = self.text(item, "profile")
        host = self.text(item, "host")
        if ref is None or members is None:
            return None
        key, value = ref
        return WorkspaceManifest(
            source=self.source,
            at=self.at(position),
            id=value if key == "id" else None,
            name=value if key == "name" else None,
            ref_at=self.at(value_position(item, key)),
            profile=profile,
            host=host,
            host_at=self.at(value_position(item, "host")) if "host" in item else None,
            prune=prune,
            prune_at=self.at(key_position(item, "prune")) if "prune" in item else None,
            max_removal_ratio=ratio,
            ratio_at=self.at(value_position(item, "max_removal_ratio"))
            if "max_removal_ratio" in item
            else None,
            protect=protect,
            members=tuple(members),
        )

    def workspace_ref(self, item: Mapping[Any, Any], where: Position) -> tuple[str, str] | None:
        given = [key for key in ("id", "name") if key in item]
        if len(given) != 1:
            self.problem(
                key_position(item, "name") if len(given) == 2 else where,
                "a workspace needs exactly one of `id` or `name`"
                + (" (not both)" if len(given) == 2 else ""),
            )
            return None
        key = given[0]
        value = item[key]
        if not isinstance(value, str) or not value.strip():
            self.problem(value_position(item, key), f"`{key}` must be a non-empty string")
            return None
        return key, str(value)

    def text(self, item: Mapping[Any, Any], key: str) -> str | None:
        if key not in item:
            return None
        value = item[key]
        if not isinstance(value, str) or not value.strip():
            self.problem(value_position(item, key), f"`{key}` must be a non-empty string")
            return None
        return str(value).strip()

    def flag(self, item: Mapping[Any, Any], key: str, *, default: bool) -> bool:
        if key not in item:
            return default
        value = item[key]
        if not isinstance(value, bool):
            self.problem(value_position(item, key), f"`{key}` must be true or false")
            return default
        return value

    def ratio(self, item: Mapping[Any, Any]) -> float:
        if "max_removal_ratio" not in item:
            return DEFAULT_MAX_REMOVAL_RATIO
        value = item["max_removal_ratio"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            self.problem(
                value_position(item, "max_removal_ratio"),
                f"`max_removal_ratio` must be a number from 0 to 1, got {value!r}",
            )
            return DEFAULT_MAX_REMOVAL_RATIO
        return float(value)

    def protect(self, item: Mapping[Any, Any]) -> frozenset[str]:
        if "protect" not in item:
            return frozenset()
        values = item["protect"]
        if not isinstance(values, list):
            self.problem(value_position(item, "protect"), "`protect` must be a list of emails")
            return frozenset()
        emails: dict[str, int] = {}
        for index, value in enumerate(values):
            position = item_position(values, index)
            email = self.email(value, position)
            if email is None:
                continue
            if email in emails:
                self.problem(
                    position,
                    f"duplicate email {value!r} in `protect` (first at line {emails[email]})",
                )
                continue
            emails[email] = (position or (1, 1))[0]
        return frozenset(emails)

    def email(self, value: Any, position: Position | None) -> str | None:
        if not isinstance(value, str) or not is_email(value.strip()):
            self.problem(position, f"invalid email {value!r}")
            return None
        return value.strip().lower()

    def members(self, item: Mapping[Any, Any], where: Position) -> list[ManifestMember] | None:
        if not self.required(item, "members", "a workspace", where):
            return None
        values = item["members"]
        if values is None:
            values = []
        if not isinstance(values, list):
            self.problem(value_position(item, "members"), "`members` must be a list")
            return None
        members: list[ManifestMember] = []
        first_line: dict[str, int] = {}
        for index, value in enumerate(values):
            member = self.member(value, item_position(values, index))
            if member is None:
                continue
            if member.email in first_line:
                self.problem(
                    (member.at.line, member.at.column),
                    f"duplicate email {member.email!r} (first at line "
                    f"{first_line[member.email]}; emails compare case-insensitively)",
                )
                continue
            first_line[member.email] = member.at.line
            members.append(member)
        return members

    def member(self, value: Any, position: Position | None) -> ManifestMember | None:
        if not isinstance(value, Mapping):
            self.problem(position, "each member must be a mapping with `email` and `role`")
            return None
        self.known_keys(value, MEMBER_KEYS, "a member")
        where = position or (1, 1)
        has_email = self.required(value, "email", "a member", where)
        has_role = self.required(value, "role", "a member", where)
        email = self.email(value["email"], value_position(value, "email")) if has_email else None
        role = value["role"] if has_role else None
        if has_role and role not in ROLES:
            self.problem(
                value_position(value, "role"),
                f"unknown role {role!r} (expected one of: {', '.join(ROLES)})",
            )
            role = None
        if email is None or role is None:
            return None
        return ManifestMember(
            email=email,
            role=str(role),
            at=self.at(position),
            role_at=self.at(value_position(value, "role")),
        )
