"""Storing exports into a real git work tree: paths handed from one app to another in one
run, failed exports, and what `prepare` stores.

`tasks.backup.backup_workspace` needs a Dify server, so `run_workspace` below calls the
same helpers in the same order it does (assign paths, decide, export, read old texts,
vacate, store, forget, write the index) with canned exports instead of HTTP calls.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from dify_client import DifyError
from gitstore import Author, GitStore
from reconcile.backup.layout import (
    INDEX_FILE,
    AppListing,
    IndexEntry,
    WorkspaceIndex,
    assign_paths,
    dump_index,
    parse_index,
)
from reconcile.backup.plan import (
    AppOutcome,
    ExportDecision,
    WorkspaceResult,
    commit_message,
    decide_exports,
)
from tasks.backup.export import (
    ExportResult,
    PreparedExport,
    forget_missing,
    hold_failed_files,
    prepare,
    store_export,
    text_hash,
    vacate_paths,
)

DIRECTORY = "dify.example.com/acme-dev"
INDEX_PATH = f"{DIRECTORY}/{INDEX_FILE}"
AUTHOR = Author("Backup Bot", "backup@difyops.test")
ALPHA = "aaaaaaaa-0000-4000-8000-000000000001"
BETA = "bbbbbbbb-0000-4000-8000-000000000002"
NEW = "cccccccc-0000-4000-8000-000000000003"
SECRET = "tk-live-7Qm2Vx9LpA4sR8zzQ"


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No identity from the machine's git config: the store must bring its own."""
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in list(os.environ):
        if name.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_")):
            monkeypatch.delenv(name)


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with GitStore.open(tmp_path / "backup") as opened:
        yield opened


def dsl(name: str, title: str = "Start", description: str = "") -> str:
    """An export as Dify writes it (canonical text)."""
    return (
        "app:\n"
        f"  description: '{description}'\n"
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


def app(app_id: str, name: str, updated_at: str = "2025-03-18T10:00:00") -> AppListing:
    return AppListing(id=app_id, name=name, mode="workflow", updated_at=updated_at)


def read_index(store: GitStore) -> WorkspaceIndex:
    index = parse_index(store.read_text(INDEX_PATH))
    assert index is not None
    return index


def run_workspace(
    store: GitStore,
    apps: list[AppListing],
    exports: dict[str, str | DifyError],
    *,
    full: bool = False,
) -> list[AppOutcome]:
    """One workspace of a backup run, as `backup_workspace` sequences it; the index is read
    from and written to the store. Exports must be given for exactly the apps exported."""
    index = parse_index(store.read_text(INDEX_PATH)) or WorkspaceIndex(
        host="dify.example.com", workspace_id="ws-1", workspace_name="Acme Dev"
    )
    paths = assign_paths(DIRECTORY, apps, index)

    def stored_hash(path: str) -> str | None:
        text = store.read_text(path)
        return text_hash(text) if text is not None else None

    decisions, _ = decide_exports(apps, paths, index, stored_hash, full=full)
    assert {d.app.id for d in decisions} == set(exports), "exports given ≠ apps exported"
    results: dict[str, ExportResult] = {}
    for decision in decisions:
        given = exports[decision.app.id]
        results[decision.app.id] = (
            prepare(given, redact_it=True) if isinstance(given, str) else given
        )
    decisions, _ = hold_failed_files(DIRECTORY, apps, index, decisions, results)
    listed = {a.id for a in apps}
    old_texts = {
        d.app.id: store.read_text(index.apps[d.app.id].path)
        for d in decisions
        if d.app.id in index.apps
    }
    vacate_paths(store, index, decisions, results, listed)
    outcomes = [
        store_export(
            store, index, d, results[d.app.id], old_text=old_texts.get(d.app.id), full=full
        )
        for d in decisions
    ]
    outcomes += forget_missing(index, listed)
    store.write_text(INDEX_PATH, dump_index(index))
    return outcomes


def commit(store: GitStore, message: str = "backup") -> str:
    sha = store.commit_all(message, author=AUTHOR, paths=["dify.example.com"])
    assert sha is not None
    return sha


def at(file_name: str) -> str:
    return f"{DIRECTORY}/{file_name}"


def summary(outcomes: list[AppOutcome]) -> list[tuple[str, str, str, str | None]]:
    return sorted((o.app_id, o.status, o.path, o.old_path) for o in outcomes)


def index_paths(store: GitStore) -> dict[str, str]:
    return {app_id: entry.path for app_id, entry in read_index(store).apps.items()}


def name_status(store: GitStore) -> list[str]:
    return subprocess.run(
        ["git", "-C", str(store.root), "show", "--name-status", "-M", "--format=", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()


# -- (1) a deleted app and a new one with the same name -------------------------------------


def test_a_deleted_app_and_a_new_one_of_the_same_name_in_one_run(store: GitStore) -> None:
    run_workspace(store, [app(ALPHA, "Alpha")], {ALPHA: dsl("Alpha", "Old start")})
    commit(store)
    outcomes = run_workspace(store, [app(NEW, "Alpha")], {NEW: dsl("Alpha", "New start")})
    assert store.files(DIRECTORY) == [INDEX_PATH, at("alpha.yml")]
    assert store.read_text(at("alpha.yml")) == dsl("Alpha", "New start")
    assert summary(outcomes) == [
        (ALPHA, "removed", at("alpha.yml"), None),
        (NEW, "added", at("alpha.yml"), None),
    ]
    index = read_index(store)
    assert list(index.apps) == [NEW]
    assert index.apps[NEW].content_hash == text_hash(dsl("Alpha", "New start"))
    commit(store)
    assert name_status(store) == [f"M\t{INDEX_PATH}", f"M\t{at('alpha.yml')}"]


# -- (2) two apps swap names ----------------------------------------------------------------


def test_two_apps_swapping_names_swap_files(store: GitStore) -> None:
    run_workspace(
        store,
        [app(ALPHA, "Alpha"), app(BETA, "Beta")],
        {ALPHA: dsl("Alpha", "A"), BETA: dsl("Beta", "B")},
    )
    commit(store)
    outcomes = run_workspace(
        store,
        [app(ALPHA, "Beta", "2025-03-19T09:00:00"), app(BETA, "Alpha", "2025-03-19T09:00:00")],
        {ALPHA: dsl("Beta", "A"), BETA: dsl("Alpha", "B")},
    )
    assert store.files(DIRECTORY) == [INDEX_PATH, at("alpha.yml"), at("beta.yml")]
    assert store.read_text(at("beta.yml")) == dsl("Beta", "A")
    assert store.read_text(at("alpha.yml")) == dsl("Alpha", "B")
    assert index_paths(store) == {ALPHA: at("beta.yml"), BETA: at("alpha.yml")}
    assert summary(outcomes) == [
        (ALPHA, "renamed", at("beta.yml"), at("alpha.yml")),
        (BETA, "renamed", at("alpha.yml"), at("beta.yml")),
    ]
    by_id = {o.app_id: o for o in outcomes}
    assert by_id[ALPHA].old_name == "Alpha"
    assert by_id[ALPHA].summary == "app name changed, no behaviour change"


# -- (3) a rename and a newcomer taking the old name ----------------------------------------


def test_a_renamed_app_and_a_newcomer_taking_its_old_name(store: GitStore) -> None:
    run_workspace(store, [app(ALPHA, "Alpha")], {ALPHA: dsl("Alpha", "Old")})
    commit(store)
    outcomes = run_workspace(
        store,
        # The newcomer first: its write must survive the rename vacating "alpha.yml".
        [app(NEW, "Alpha"), app(ALPHA, "Gamma", "2025-03-19T09:00:00")],
        {ALPHA: dsl("Gamma", "Old"), NEW: dsl("Alpha", "Newcomer")},
    )
    assert store.files(DIRECTORY) == [INDEX_PATH, at("alpha.yml"), at("gamma.yml")]
    assert store.read_text(at("gamma.yml")) == dsl("Gamma", "Old")
    assert store.read_text(at("alpha.yml")) == dsl("Alpha", "Newcomer")
    assert index_paths(store) == {ALPHA: at("gamma.yml"), NEW: at("alpha.yml")}
    assert summary(outcomes) == [
        (ALPHA, "renamed", at("gamma.yml"), at("alpha.yml")),
        (NEW, "added", at("alpha.yml"), None),
    ]


def test_a_plain_rename_is_a_git_rename(store: GitStore) -> None:
    body = "".join(f"    - line {n}\n" for n in range(20))
    run_workspace(store, [app(ALPHA, "Alpha")], {ALPHA: dsl("Alpha") + "extra:\n" + body})
    commit(store)
    outcomes = run_workspace(
        store,
        [app(ALPHA, "Gamma", "2025-03-19T09:00:00")],
        {ALPHA: dsl("Gamma") + "extra:\n" + body},
    )
    assert summary(outcomes) == [(ALPHA, "renamed", at("gamma.yml"), at("alpha.yml"))]
    assert store.files(DIRECTORY) == [INDEX_PATH, at("gamma.yml")]
    commit(store)
    renamed = [line for line in name_status(store) if line.startswith("R")]
    assert len(renamed) == 1 and renamed[0].endswith(f"\t{at('alpha.yml')}\t{at('gamma.yml')}")


# -- (4) failed exports keep the last good file ---------------------------------------------


def test_a_failed_export_keeps_the_last_good_file_and_is_retried(store: GitStore) -> None:
    run_workspace(store, [app(ALPHA, "Alpha")], {ALPHA: dsl("Alpha", "Good")})
    commit(store)
    later = app(ALPHA, "Alpha", "2025-03-19T09:00:00")
    outcomes = run_workspace(store, [later], {ALPHA: DifyError("server error (500)")})
    assert [(o.status, o.path, o.error) for o in outcomes] == [
        ("failed", at("alpha.yml"), "server error (500)")
    ]
    assert store.read_text(at("alpha.yml")) == dsl("Alpha", "Good")
    # The index still records the old updated_at, so the next run tries again.
    assert read_index(store).apps[ALPHA].updated_at == "2025-03-18T10:00:00"
    assert store.commit_all("nothing", author=AUTHOR) is None
    retried = run_workspace(store, [later], {ALPHA: dsl("Alpha", "Better")})
    assert [(o.status, o.summary) for o in retried] == [("changed", "1 node changed")]


def test_a_renamed_app_whose_export_fails_keeps_its_file_where_it_was(store: GitStore) -> None:
    run_workspace(store, [app(ALPHA, "Alpha")], {ALPHA: dsl("Alpha")})
    commit(store)
    renamed = app(ALPHA, "Beta", "2025-03-19T09:00:00")
    outcomes = run_workspace(store, [renamed], {ALPHA: DifyError("timed out")})
    assert [(o.status, o.path, o.name) for o in outcomes] == [("failed", at("alpha.yml"), "Beta")]
    assert store.files(DIRECTORY) == [INDEX_PATH, at("alpha.yml")]
    assert store.read_text(at("alpha.yml")) == dsl("Alpha")
    entry = read_index(store).apps[ALPHA]
    assert (entry.name, entry.path) == ("Alpha", at("alpha.yml"))
    assert store.commit_all("nothing", author=AUTHOR) is None
    retried = run_workspace(store, [renamed], {ALPHA: dsl("Beta")})
    assert summary(retried) == [(ALPHA, "renamed", at("beta.yml"), at("alpha.yml"))]
    assert store.files(DIRECTORY) == [INDEX_PATH, at("beta.yml")]


def test_a_failed_app_keeps_its_file_when_a_newcomer_wants_its_new_name(
    store: GitStore,
) -> None:
    run_workspace(store, [app(ALPHA, "Alpha")], {ALPHA: dsl("Alpha")})
    commit(store)
    outcomes = run_workspace(
        store,
        [app(ALPHA, "Gamma", "2025-03-19T09:00:00"), app(NEW, "Gamma")],
        {ALPHA: DifyError("timed out"), NEW: dsl("Gamma", "Newcomer")},
    )
    # Both want "gamma", so the newcomer gets an id suffix; the failed app's file stays
    # where it was.
    assert summary(outcomes) == [
        (ALPHA, "failed", at("alpha.yml"), None),
        (NEW, "added", at("gamma-cccccccc.yml"), None),
    ]
    assert store.read_text(at("alpha.yml")) == dsl("Alpha")
    assert store.read_text(at("gamma-cccccccc.yml")) == dsl("Gamma", "Newcomer")


def test_a_failed_apps_file_is_never_handed_to_another_app(store: GitStore) -> None:
    run_workspace(
        store,
        [app(ALPHA, "Alpha"), app(BETA, "Beta")],
        {ALPHA: dsl("Alpha", "A"), BETA: dsl("Beta", "B")},
    )
    commit(store)
    swapped = [app(ALPHA, "Beta", "2025-03-19T09:00:00"), app(BETA, "Alpha", "2025-03-19")]
    outcomes = run_workspace(
        store, swapped, {ALPHA: dsl("Beta", "A"), BETA: DifyError("server error (500)")}
    )
    # BETA failed, so it keeps beta.yml; ALPHA, now named "Beta", takes the suffixed name.
    assert summary(outcomes) == [
        (ALPHA, "renamed", at("beta-aaaaaaaa.yml"), at("alpha.yml")),
        (BETA, "failed", at("beta.yml"), None),
    ]
    assert store.read_text(at("beta.yml")) == dsl("Beta", "B")
    assert store.read_text(at("beta-aaaaaaaa.yml")) == dsl("Beta", "A")
    assert index_paths(store) == {ALPHA: at("beta-aaaaaaaa.yml"), BETA: at("beta.yml")}
    retried = run_workspace(store, swapped, {BETA: dsl("Alpha", "B")})
    assert summary(retried) == [(BETA, "renamed", at("alpha.yml"), at("beta.yml"))]
    assert store.files(DIRECTORY) == [INDEX_PATH, at("alpha.yml"), at("beta-aaaaaaaa.yml")]
    assert store.read_text(at("alpha.yml")) == dsl("Alpha", "B")


def test_a_failed_app_in_a_name_swap_still_has_its_last_good_file(store: GitStore) -> None:
    run_workspace(
        store,
        [app(ALPHA, "Alpha"), app(BETA, "Beta")],
        {ALPHA: dsl("Alpha", "A"), BETA: dsl("Beta", "B")},
    )
    commit(store)
    outcomes = run_workspace(
        store,
        [app(ALPHA, "Beta", "2025-03-19T09:00:00"), app(BETA, "Alpha", "2025-03-19")],
        {ALPHA: dsl("Beta", "A"), BETA: DifyError("server error (500)")},
    )
    failed = next(o for o in outcomes if o.status == "failed")
    assert store.read_text(failed.path) == dsl("Beta", "B")


# -- store_export, vacate_paths, forget_missing ---------------------------------------------


def decision(app_id: str, name: str, file_name: str, updated_at: str) -> ExportDecision:
    return ExportDecision(app=app(app_id, name, updated_at), path=at(file_name), reason="full")


def empty_index() -> WorkspaceIndex:
    return WorkspaceIndex(host="dify.example.com", workspace_id="ws-1", workspace_name="Acme")


def test_store_export_records_the_index_entry_and_the_outcome(store: GitStore) -> None:
    index = empty_index()
    exported = prepare(dsl("Alpha"), redact_it=True)
    outcome = store_export(
        store,
        index,
        decision(ALPHA, "Alpha", "alpha.yml", "2025-03-18T10:00:00"),
        exported,
        old_text=None,
        full=False,
    )
    assert outcome == AppOutcome(
        app_id=ALPHA,
        name="Alpha",
        mode="workflow",
        status="added",
        path=at("alpha.yml"),
        old_name=None,
        exported=True,
    )
    assert index.apps[ALPHA] == IndexEntry(
        name="Alpha",
        mode="workflow",
        path=at("alpha.yml"),
        updated_at="2025-03-18T10:00:00",
        dsl_version="0.3.0",
        content_hash=text_hash(dsl("Alpha")),
        redacted=False,
    )
    assert store.read_text(at("alpha.yml")) == dsl("Alpha")


def test_a_resaved_app_is_unchanged_and_a_silent_edit_is_flagged_under_full(
    store: GitStore,
) -> None:
    index = empty_index()
    index.apps[ALPHA] = IndexEntry(
        name="Alpha",
        mode="workflow",
        path=at("alpha.yml"),
        updated_at="2025-03-18T10:00:00",
        content_hash=text_hash(dsl("Alpha")),
    )
    store.write_text(at("alpha.yml"), dsl("Alpha"))
    resaved = store_export(
        store,
        index,
        decision(ALPHA, "Alpha", "alpha.yml", "2025-03-19T00:00:00"),
        prepare(dsl("Alpha"), redact_it=True),
        old_text=dsl("Alpha"),
        full=False,
    )
    assert (resaved.status, resaved.exported, resaved.summary) == ("unchanged", True, None)
    assert index.apps[ALPHA].updated_at == "2025-03-19T00:00:00"
    silent = store_export(
        store,
        index,
        decision(ALPHA, "Alpha", "alpha.yml", "2025-03-19T00:00:00"),
        prepare(dsl("Alpha", "Edited"), redact_it=True),
        old_text=dsl("Alpha"),
        full=True,
    )
    assert (silent.status, silent.summary, silent.changed_without_timestamp) == (
        "changed",
        "1 node changed",
        True,
    )


def test_a_previous_file_that_is_not_a_dsl_is_summarised_as_such(store: GitStore) -> None:
    index = empty_index()
    index.apps[ALPHA] = IndexEntry(
        name="Alpha", mode="workflow", path=at("alpha.yml"), content_hash="0" * 64
    )
    outcome = store_export(
        store,
        index,
        decision(ALPHA, "Alpha", "alpha.yml", "2025-03-19"),
        prepare(dsl("Alpha"), redact_it=True),
        old_text="<<< merge conflict\n",
        full=False,
    )
    assert (outcome.status, outcome.summary) == (
        "changed",
        "changed (the previous file could not be read as a DSL)",
    )


def test_vacate_removes_gone_apps_and_keeps_skipped_and_failed_ones(store: GitStore) -> None:
    index = empty_index()
    for app_id, file_name in [(ALPHA, "alpha.yml"), (BETA, "beta.yml"), (NEW, "gone/x.yml")]:
        index.apps[app_id] = IndexEntry(
            name=file_name, mode="workflow", path=at(file_name), content_hash="0" * 64
        )
        store.write_text(at(file_name), f"{file_name}\n")
    failed = decision(BETA, "Beta Renamed", "beta-renamed.yml", "2025-03-19")
    vacate_paths(store, index, [failed], {BETA: DifyError("boom")}, listed={ALPHA, BETA})
    # ALPHA was skipped (listed, not exported), BETA failed, NEW is gone.
    assert store.files(DIRECTORY) == [at("alpha.yml"), at("beta.yml")]
    assert not (store.root / DIRECTORY / "gone").exists()
    assert set(index.apps) == {ALPHA, BETA, NEW}  # forget_missing drops NEW, not vacate
    removed = forget_missing(index, {ALPHA, BETA})
    assert [(o.app_id, o.status, o.name, o.path) for o in removed] == [
        (NEW, "removed", "gone/x.yml", at("gone/x.yml"))
    ]
    assert set(index.apps) == {ALPHA, BETA}
    assert forget_missing(index, {ALPHA, BETA}) == []


# -- (5) prepare ----------------------------------------------------------------------------

UNUSUAL_BUT_VALID = (
    "# exported by a Dify that writes comments\n"
    "kind: app\n"
    "version: '0.3.0'\n"
    'app: {name: "Résumé bot", mode: workflow, description: "multi\\nline"}\n'
    "workflow:\n"
    "    graph:\n"
    "        nodes: []\n"
    "        edges: []\n"
    "extra_key:   value   # trailing comment\n"
)


def test_prepare_keeps_an_export_byte_for_byte() -> None:
    prepared = prepare(UNUSUAL_BUT_VALID, redact_it=True)
    assert prepared == PreparedExport(UNUSUAL_BUT_VALID, "0.3.0")
    assert prepare(dsl("Alpha"), redact_it=True).text == dsl("Alpha")


def test_prepare_only_adds_a_missing_final_newline() -> None:
    assert prepare(UNUSUAL_BUT_VALID.rstrip("\n"), redact_it=True).text == UNUSUAL_BUT_VALID


def with_credentials(name: str = "Keys") -> str:
    return (
        "app:\n"
        "  mode: workflow\n"
        f"  name: {name}\n"
        "kind: app\n"
        "version: 0.3.0\n"
        "workflow:\n"
        "  environment_variables:\n"
        "  - id: e1\n"
        "    name: TICKETING_API_KEY\n"
        "    selector: [env, TICKETING_API_KEY]\n"
        f"    value: {SECRET}\n"
        "    value_type: secret\n"
        "  graph:\n"
        "    edges: []\n"
        "    nodes:\n"
        "    - id: call\n"
        "      data:\n"
        "        type: http-request\n"
        "        title: Call\n"
        "        url: https://api.example.test/v1?api_key=Zx81Qw77Lm22Rt00Yy\n"
    )


def test_prepare_redacts_credential_looking_values() -> None:
    prepared = prepare(with_credentials(), redact_it=True)
    assert prepared.redacted is True
    assert SECRET not in prepared.text and "Zx81Qw77Lm22Rt00Yy" not in prepared.text
    assert "    value: <redacted>\n" in prepared.text
    assert "api_key=<redacted>" in prepared.text
    assert prepared.findings == [
        "workflow.environment_variables[0].value: secret environment variable "
        "'TICKETING_API_KEY' has a value (exported with secrets included)",
        'workflow.graph.nodes[0].data.url (node "Call"): credential in a URL query string',
    ]
    assert prepared.dsl_version == "0.3.0"


def test_prepare_without_redaction_stores_the_export_as_is_but_says_what_it_holds() -> None:
    prepared = prepare(with_credentials(), redact_it=False)
    assert (prepared.text, prepared.redacted) == (with_credentials(), False)
    # An exempt app is still reported, so nobody commits a credential without being told.
    assert prepared.findings == prepare(with_credentials(), redact_it=True).findings != []


def test_a_redacted_export_never_reaches_git(store: GitStore) -> None:
    outcomes = run_workspace(store, [app(ALPHA, "Keys")], {ALPHA: with_credentials()})
    sha = commit(store, commit_message([workspace_result(outcomes)]))
    assert [len(o.redacted) for o in outcomes] == [2]
    assert read_index(store).apps[ALPHA].redacted is True
    history = subprocess.run(
        ["git", "-C", str(store.root), "log", "-p", "--all"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert sha in history and "value: <redacted>" in history
    assert SECRET not in history and "Zx81Qw77Lm22Rt00Yy" not in history


def workspace_result(outcomes: list[AppOutcome]) -> WorkspaceResult:
    return WorkspaceResult(
        host="dify.example.com",
        base_url="https://dify.example.com",
        workspace_id="ws-1",
        workspace_name="Acme Dev",
        directory=DIRECTORY,
        outcomes=outcomes,
    )
