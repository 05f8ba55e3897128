"""Situations for the backup's file planner: a workspace as the repository records it,
what the server lists and what each export gives, planned as a backup run plans them."""

from __future__ import annotations

from dataclasses import dataclass, field

from reconcile.backup.files import (
    Export,
    ExportFailed,
    FilePlan,
    KeepFile,
    PreparedExport,
    RemoveFile,
    WriteFile,
    plan_files,
    text_hash,
)
from reconcile.backup.layout import (
    INDEX_FILE,
    AppListing,
    IndexEntry,
    WorkspaceIndex,
    assign_paths,
)
from reconcile.backup.plan import decide_exports

DIRECTORY = "dify.example.com/acme-dev"
ALPHA = "aaaaaaaa-0000-4000-8000-000000000001"
BETA = "bbbbbbbb-0000-4000-8000-000000000002"
NEW = "cccccccc-0000-4000-8000-000000000003"
# Ids made in sequence share their first characters.
FIRST = "a0000000-0000-4000-8000-000000000101"
SECOND = "a0000000-0000-4000-8000-000000000103"
BEFORE = "2025-03-18T10:00:00"
LATER = "2025-03-19T09:00:00"
FAIL = "server error (500)"


def dsl(name: str, title: str = "Start") -> str:
    """An export as Dify writes it (canonical text)."""
    return (
        "app:\n"
        "  mode: workflow\n"
        f"  name: {name}\n"
        "kind: app\n"
        "version: 0.3.0\n"
        "workflow:\n"
        "  graph:\n"
        "    edges: []\n"
        "    nodes:\n"
        "    - data:\n"
        f"        title: {title}\n"
        "        type: start\n"
        "      id: start\n"
    )


def at(file_name: str) -> str:
    return f"{DIRECTORY}/{file_name}"


@dataclass
class Situation:
    """A workspace before a run: recorded apps `id → (name, file, text)` (all saved at
    BEFORE), listed apps `id → (name, updated_at)`, and what each export gives."""

    recorded: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    listed: dict[str, tuple[str, str]] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)  # text, or FAIL
    full: bool = False
    missing: set[str] = field(default_factory=set)  # recorded files deleted by hand
    files: dict[str, str] = field(default_factory=dict)  # filled from `recorded`

    def index(self) -> WorkspaceIndex:
        index = WorkspaceIndex(
            host="dify.example.com", workspace_id="ws-1", workspace_name="Acme Dev"
        )
        for app_id, (name, file_name, text) in self.recorded.items():
            index.apps[app_id] = IndexEntry(
                name=name,
                mode="workflow",
                path=at(file_name),
                updated_at=BEFORE,
                dsl_version="0.3.0",
                content_hash=text_hash(text),
            )
            if file_name not in self.missing:
                self.files.setdefault(at(file_name), text)
        return index

    def plan(self, **options: object) -> FilePlan:
        index = self.index()
        listings = [
            AppListing(id=app_id, name=name, mode="workflow", updated_at=updated_at)
            for app_id, (name, updated_at) in self.listed.items()
        ]
        paths = assign_paths(DIRECTORY, listings, index)
        decisions, _ = decide_exports(
            listings, paths, index, lambda p: hash_or_none(self.files.get(p)), full=self.full
        )
        assert {d.app.id for d in decisions} == set(self.exports), "exports ≠ apps exported"
        exports: dict[str, Export] = {
            app_id: ExportFailed(text) if text == FAIL else PreparedExport(text, "0.3.0")
            for app_id, text in self.exports.items()
        }
        plan = plan_files(
            DIRECTORY,
            listings,
            index,
            decisions,
            exports,
            stored_text=self.files.get,
            full=self.full,
            **options,  # type: ignore[arg-type]
        )
        for op in plan.operations:
            if isinstance(op, WriteFile) and op.app_id is not None:
                assert op.text == self.exports[op.app_id], "a write carries another app's text"
        return plan


def hash_or_none(text: str | None) -> str | None:
    return text_hash(text) if text is not None else None


def operations(plan: FilePlan) -> list[tuple[str, ...]]:
    """The plan's operations, compactly: file names under DIRECTORY, the app they are for."""

    def name(path: str) -> str:
        return path.removeprefix(f"{DIRECTORY}/")

    rows: list[tuple[str, ...]] = []
    for op in plan.operations:
        if isinstance(op, KeepFile):
            rows.append(("keep", name(op.path), op.app_id))
        elif isinstance(op, RemoveFile):
            rows.append(("remove", name(op.path), op.app_id, op.reason))
        else:
            rows.append(("write", name(op.path), op.app_id or "index"))
    return rows


def outcomes(plan: FilePlan) -> list[tuple[str, str, str, str | None]]:
    def name(path: str | None) -> str | None:
        return path.removeprefix(f"{DIRECTORY}/") if path else None

    return [(o.app_id, o.status, str(name(o.path)), name(o.old_path)) for o in plan.outcomes]


def index_write() -> tuple[str, ...]:
    return ("write", INDEX_FILE, "index")
