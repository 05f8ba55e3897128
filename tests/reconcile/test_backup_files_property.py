"""Whatever the repository records, the server lists and the exports give, applying the
file planner's operations loses nothing: every app the index names has its file with the
recorded hash, a failed export's last good file is untouched, no file is left unrecorded,
and removals come before writes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile.backup.files import RemoveFile, WriteFile, text_hash
from reconcile.backup.layout import INDEX_FILE, AppListing, assign_paths
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
    hash_or_none,
)

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
        lambda p: hash_or_none(situation.files.get(p)),
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
