"""The backup's file planner (`plan_files`): from what the repository records, the listing
and the exports, which files are kept, removed and written, in which order, and what each
app's outcome is."""

from __future__ import annotations

import pytest

from reconcile.backup.files import Export, PreparedExport, WriteFile, plan_files, text_hash
from reconcile.backup.layout import INDEX_FILE, AppListing, IndexEntry, assign_paths, dump_index
from reconcile.backup.plan import decide_exports
from tests.reconcile.backup_files_support import (
    ALPHA,
    BEFORE,
    BETA,
    DIRECTORY,
    FAIL,
    FIRST,
    LATER,
    NEW,
    SECOND,
    Situation,
    at,
    dsl,
    index_write,
    operations,
    outcomes,
)

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
