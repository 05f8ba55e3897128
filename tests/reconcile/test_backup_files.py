"""The backup's file planner (`plan_files`): from what the repository records, the listing
and the exports, which files are kept, removed and written, in which order, and what each
app's outcome is. Situations are tables; a property test checks that no file is ever lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    dump_index,
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
            listings, paths, index, lambda p: _hash_or_none(self.files.get(p)), full=self.full
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


def _hash_or_none(text: str | None) -> str | None:
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


CASES: dict[str, tuple[Situation, list[tuple[str, ...]], list[tuple[str, str, str, str | None]]]]
CASES = {
    "a new app is written, then the index": (
        Situation(listed={ALPHA: ("Alpha", BEFORE)}, exports={ALPHA: dsl("Alpha")}),
        [("write", "alpha.yml", ALPHA), index_write()],
        [(ALPHA, "added", "alpha.yml", None)],
    ),
    "an app left alone touches nothing": (
        Situation(
            recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
            listed={ALPHA: ("Alpha", BEFORE)},
        ),
        [],
        [(ALPHA, "unchanged", "alpha.yml", None)],
    ),
    "an app saved again without a change refreshes only the index": (
        Situation(
            recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
            listed={ALPHA: ("Alpha", LATER)},
            exports={ALPHA: dsl("Alpha")},
        ),
        [index_write()],
        [(ALPHA, "unchanged", "alpha.yml", None)],
    ),
    "an edited app is written again": (
        Situation(
            recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
            listed={ALPHA: ("Alpha", LATER)},
            exports={ALPHA: dsl("Alpha", "Edited")},
        ),
        [("write", "alpha.yml", ALPHA), index_write()],
        [(ALPHA, "changed", "alpha.yml", None)],
    ),
    "a file deleted by hand is written back": (
        Situation(
            recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
            listed={ALPHA: ("Alpha", BEFORE)},
            exports={ALPHA: dsl("Alpha")},
            missing={"alpha.yml"},
        ),
        [("write", "alpha.yml", ALPHA)],
        [(ALPHA, "changed", "alpha.yml", None)],
    ),
    "a rename removes the old file before writing the new one": (
        Situation(
            recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
            listed={ALPHA: ("Gamma", LATER)},
            exports={ALPHA: dsl("Gamma")},
        ),
        [("remove", "alpha.yml", ALPHA, "moved"), ("write", "gamma.yml", ALPHA), index_write()],
        [(ALPHA, "renamed", "gamma.yml", "alpha.yml")],
    ),
    "a rename that keeps the slug is exported and stays in its file": (
        Situation(
            recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
            listed={ALPHA: ("ALPHA!", BEFORE)},
            exports={ALPHA: dsl("ALPHA!")},
        ),
        [("write", "alpha.yml", ALPHA), index_write()],
        [(ALPHA, "changed", "alpha.yml", None)],
    ),
    "an app that is gone leaves the tree and the index": (
        Situation(
            recorded={
                ALPHA: ("Alpha", "alpha.yml", dsl("Alpha")),
                BETA: ("Beta", "beta.yml", dsl("Beta")),
            },
            listed={BETA: ("Beta", BEFORE)},
        ),
        [("remove", "alpha.yml", ALPHA, "gone"), index_write()],
        [(ALPHA, "removed", "alpha.yml", None), (BETA, "unchanged", "beta.yml", None)],
    ),
    "a deleted app and a new one of the same name: the file is rewritten, never removed": (
        Situation(
            recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha", "Old"))},
            listed={NEW: ("Alpha", LATER)},
            exports={NEW: dsl("Alpha", "New")},
        ),
        [("write", "alpha.yml", NEW), index_write()],
        [(ALPHA, "removed", "alpha.yml", None), (NEW, "added", "alpha.yml", None)],
    ),
    "two apps swapping names swap files": (
        Situation(
            recorded={
                ALPHA: ("Alpha", "alpha.yml", dsl("Alpha", "A")),
                BETA: ("Beta", "beta.yml", dsl("Beta", "B")),
            },
            listed={ALPHA: ("Beta", LATER), BETA: ("Alpha", LATER)},
            exports={ALPHA: dsl("Beta", "A"), BETA: dsl("Alpha", "B")},
        ),
        [("write", "alpha.yml", BETA), ("write", "beta.yml", ALPHA), index_write()],
        [(BETA, "renamed", "alpha.yml", "beta.yml"), (ALPHA, "renamed", "beta.yml", "alpha.yml")],
    ),
    "a rename and a newcomer taking the old name": (
        Situation(
            recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
            listed={NEW: ("Alpha", BEFORE), ALPHA: ("Gamma", LATER)},
            exports={ALPHA: dsl("Gamma"), NEW: dsl("Alpha", "Newcomer")},
        ),
        [("write", "alpha.yml", NEW), ("write", "gamma.yml", ALPHA), index_write()],
        [(NEW, "added", "alpha.yml", None), (ALPHA, "renamed", "gamma.yml", "alpha.yml")],
    ),
    "a failed export keeps its last good file and the index as it was": (
        Situation(
            recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
            listed={ALPHA: ("Alpha", LATER)},
            exports={ALPHA: FAIL},
        ),
        [("keep", "alpha.yml", ALPHA)],
        [(ALPHA, "failed", "alpha.yml", None)],
    ),
    "a renamed app whose export fails stays where it was": (
        Situation(
            recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
            listed={ALPHA: ("Beta", LATER)},
            exports={ALPHA: FAIL},
        ),
        [("keep", "alpha.yml", ALPHA)],
        [(ALPHA, "failed", "alpha.yml", None)],
    ),
    "a new app whose export fails has no file to keep": (
        Situation(listed={ALPHA: ("Alpha", BEFORE)}, exports={ALPHA: FAIL}),
        [],
        [(ALPHA, "failed", "alpha.yml", None)],
    ),
    "a failed app keeps its file when a newcomer wants its new name": (
        Situation(
            recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
            listed={ALPHA: ("Gamma", LATER), NEW: ("Gamma", BEFORE)},
            exports={ALPHA: FAIL, NEW: dsl("Gamma", "Newcomer")},
        ),
        # Both want "gamma", so the newcomer gets an id suffix.
        [("keep", "alpha.yml", ALPHA), ("write", "gamma-cccccccc.yml", NEW), index_write()],
        [(ALPHA, "failed", "alpha.yml", None), (NEW, "added", "gamma-cccccccc.yml", None)],
    ),
    "a failed app's file is never handed to the app that wanted it in a swap": (
        Situation(
            recorded={
                ALPHA: ("Alpha", "alpha.yml", dsl("Alpha", "A")),
                BETA: ("Beta", "beta.yml", dsl("Beta", "B")),
            },
            listed={ALPHA: ("Beta", LATER), BETA: ("Alpha", LATER)},
            exports={ALPHA: dsl("Beta", "A"), BETA: FAIL},
        ),
        [
            ("keep", "beta.yml", BETA),
            ("remove", "alpha.yml", ALPHA, "moved"),
            ("write", "beta-aaaaaaaa.yml", ALPHA),
            index_write(),
        ],
        [
            (ALPHA, "renamed", "beta-aaaaaaaa.yml", "alpha.yml"),
            (BETA, "failed", "beta.yml", None),
        ],
    ),
    "same-named apps whose ids share a prefix get distinct files": (
        Situation(
            listed={SECOND: ("Alpha", BEFORE), FIRST: ("Alpha", BEFORE)},
            exports={FIRST: dsl("Alpha", "1"), SECOND: dsl("Alpha", "2")},
        ),
        [
            ("write", "alpha-a0000000-0000-4000-8000-000000000103.yml", SECOND),
            ("write", "alpha-a0000000.yml", FIRST),
            index_write(),
        ],
        [
            (SECOND, "added", "alpha-a0000000-0000-4000-8000-000000000103.yml", None),
            (FIRST, "added", "alpha-a0000000.yml", None),
        ],
    ),
    "--full exports every app, and writes only what changed": (
        Situation(
            recorded={
                ALPHA: ("Alpha", "alpha.yml", dsl("Alpha")),
                BETA: ("Beta", "beta.yml", dsl("Beta")),
            },
            listed={ALPHA: ("Alpha", BEFORE), BETA: ("Beta", BEFORE)},
            exports={ALPHA: dsl("Alpha"), BETA: dsl("Beta", "Silent edit")},
            full=True,
        ),
        [("write", "beta.yml", BETA), index_write()],
        [(ALPHA, "unchanged", "alpha.yml", None), (BETA, "changed", "beta.yml", None)],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_situations(case: str) -> None:
    situation, expected_operations, expected_outcomes = CASES[case]
    plan = situation.plan()
    assert operations(plan) == expected_operations
    assert outcomes(plan) == expected_outcomes


def test_a_failed_app_keeps_its_index_entry_so_the_next_run_tries_again() -> None:
    situation = Situation(
        recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
        listed={ALPHA: ("Beta", LATER)},
        exports={ALPHA: FAIL},
    )
    plan = situation.plan()
    assert plan.index == situation.index()
    (failed,) = plan.outcomes
    assert (failed.name, failed.error, failed.kept_last_good) == ("Beta", FAIL, True)


def test_a_new_app_that_failed_says_no_file_was_kept() -> None:
    plan = Situation(listed={ALPHA: ("Alpha", BEFORE)}, exports={ALPHA: FAIL}).plan()
    assert [(o.status, o.kept_last_good) for o in plan.outcomes] == [("failed", False)]
    assert plan.index.apps == {}


def test_the_index_records_what_was_stored() -> None:
    situation = Situation(
        recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
        listed={ALPHA: ("Gamma", LATER)},
        exports={ALPHA: dsl("Gamma")},
    )
    plan = situation.plan()
    assert plan.index.apps[ALPHA] == IndexEntry(
        name="Gamma",
        mode="workflow",
        path=at("gamma.yml"),
        updated_at=LATER,
        dsl_version="0.3.0",
        content_hash=text_hash(dsl("Gamma")),
    )
    assert plan.operations[-1] == WriteFile(at(INDEX_FILE), dump_index(plan.index))
    (renamed,) = plan.outcomes
    assert (renamed.old_name, renamed.summary, renamed.exported) == (
        "Alpha",
        "app name changed, no behaviour change",
        True,
    )


def test_a_silent_edit_under_full_is_flagged_and_summarised() -> None:
    plan = Situation(
        recorded={ALPHA: ("Alpha", "alpha.yml", dsl("Alpha"))},
        listed={ALPHA: ("Alpha", BEFORE)},
        exports={ALPHA: dsl("Alpha", "Edited")},
        full=True,
    ).plan()
    (changed,) = plan.outcomes
    assert (changed.summary, changed.changed_without_timestamp) == ("1 node changed", True)


def test_a_previous_file_that_is_not_a_dsl_is_summarised_as_such() -> None:
    situation = Situation(
        recorded={ALPHA: ("Alpha", "alpha.yml", "<<< merge conflict\n")},
        listed={ALPHA: ("Alpha", LATER)},
        exports={ALPHA: dsl("Alpha")},
    )
    (changed,) = situation.plan().outcomes
    assert (changed.status, changed.summary) == (
        "changed",
        "changed (the previous file could not be read as a DSL)",
    )


def test_findings_are_reported_as_redacted_or_as_kept() -> None:
    index = Situation().index()
    listings = [
        AppListing(id=ALPHA, name="Keys", mode="workflow"),
        AppListing(id=BETA, name="Raw", mode="workflow"),
    ]
    decisions, _ = decide_exports(
        listings, assign_paths(DIRECTORY, listings, index), index, lambda _: None, full=False
    )
    exports: dict[str, Export] = {
        ALPHA: PreparedExport("a: 1\n", None, ["a secret"], redacted=True),
        BETA: PreparedExport("b: 1\n", None, ["a key"], redacted=False),
    }
    plan = plan_files(
        DIRECTORY, listings, index, decisions, exports, stored_text=lambda _: None, full=False
    )
    assert [(o.app_id, o.redacted, o.unredacted) for o in plan.outcomes] == [
        (ALPHA, ["a secret"], []),
        (BETA, [], ["a key"]),
    ]
    assert plan.index.apps[ALPHA].redacted and not plan.index.apps[BETA].redacted


def test_the_index_is_written_for_a_new_workspace_and_a_renamed_one() -> None:
    empty = Situation()
    assert operations(empty.plan()) == []
    assert operations(empty.plan(index_recorded=False)) == [index_write()]
    renamed = empty.plan(workspace_name="Acme Development")
    assert operations(renamed) == [index_write()]
    assert renamed.index.workspace_name == "Acme Development"
    assert not empty.plan(workspace_name="Acme Dev").writes_index


# -- property: whatever happens, nothing is lost ---------------------------------------------

IDS = [ALPHA, BETA, NEW, FIRST, SECOND]
NAMES = ["Alpha", "Beta", "Gamma", "ALPHA!", "alpha"]


@st.composite
def runs(draw: st.DrawFn) -> Situation:
    recorded_ids = draw(st.lists(st.sampled_from(IDS), unique=True, max_size=4))
    recorded = {}
    for app_id in recorded_ids:
        name = draw(st.sampled_from(NAMES))
        recorded[app_id] = (name, "", dsl(name, draw(st.sampled_from(["A", "B"]))))
    # Paths as a previous run would have given them.
    listings = [AppListing(id=i, name=n, mode="workflow") for i, (n, _, _) in recorded.items()]
    paths = assign_paths(DIRECTORY, listings, Situation().index())
    recorded = {
        i: (n, paths[i].removeprefix(f"{DIRECTORY}/"), t) for i, (n, _, t) in recorded.items()
    }
    listed_ids = draw(st.lists(st.sampled_from(IDS), unique=True, max_size=5))
    listed = {
        i: (draw(st.sampled_from(NAMES)), draw(st.sampled_from([BEFORE, LATER])))
        for i in listed_ids
    }
    situation = Situation(recorded=recorded, listed=listed, full=draw(st.booleans()))
    index = situation.index()
    listings = [
        AppListing(id=i, name=n, mode="workflow", updated_at=u) for i, (n, u) in listed.items()
    ]
    decisions, _ = decide_exports(
        listings,
        assign_paths(DIRECTORY, listings, index),
        index,
        lambda p: _hash_or_none(situation.files.get(p)),
        full=situation.full,
    )
    for d in decisions:
        failed = draw(st.booleans())
        situation.exports[d.app.id] = (
            FAIL if failed else dsl(d.app.name, draw(st.sampled_from("AB")))
        )
    return situation


@settings(max_examples=300, deadline=None)
@given(runs())
def test_after_the_operations_every_app_the_index_names_has_its_file(situation: Situation) -> None:
    before = dict(situation.files)
    plan = situation.plan()
    kinds = [type(op).__name__ for op in plan.operations]
    assert kinds == sorted(kinds, key=["KeepFile", "RemoveFile", "WriteFile"].index)
    files = dict(before)
    for op in plan.operations:
        if isinstance(op, RemoveFile):
            del files[op.path]
        elif isinstance(op, WriteFile):
            files[op.path] = op.text
    paths = [entry.path for entry in plan.index.apps.values()]
    assert len(set(paths)) == len(paths), "two apps share a file"
    for app_id, entry in plan.index.apps.items():
        assert text_hash(files[entry.path]) == entry.content_hash, app_id
    for app_id, text in situation.exports.items():
        if text == FAIL and app_id in situation.recorded:
            # The last good file is where it was, as it was.
            path = at(situation.recorded[app_id][1])
            assert files[path] == before[path]
    app_files = set(files) - {at(INDEX_FILE)}
    assert app_files == set(paths), "a file nobody records, or a recorded file missing"
