"""The backup's real task code (`backup_workspace`, `commit_backup`) against a real git
repository: paths handed from one app to another in one run, failed exports, and redacted
exports in history. Only the Dify client is canned (its HTTP is tested elsewhere); the
file planner's situations are tabled in tests/reconcile/test_backup_files.py.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import pytest

from dify_client import DifyError
from gitstore import GitStore
from jobs import BackupSettings, Source
from reconcile.backup.layout import INDEX_FILE, AppListing, WorkspaceIndex, parse_index
from reconcile.backup.plan import AppOutcome, WorkspaceResult
from tasks.backup import steps
from tasks.backup.steps import BackupTarget, backup_workspace, commit_backup
from tests.reconcile.backup_files_support import dsl
from tests.tasks.test_backup_export import SECRET, with_credentials

DIRECTORY = "dify.example.com/acme-dev"
INDEX_PATH = f"{DIRECTORY}/{INDEX_FILE}"
ALPHA = "aaaaaaaa-0000-4000-8000-000000000001"
BETA = "bbbbbbbb-0000-4000-8000-000000000002"
NEW = "cccccccc-0000-4000-8000-000000000003"
TARGET = BackupTarget(
    source=Source(),
    base_url="https://dify.example.com",
    workspace_id="ws-1",
    workspace_name="Acme Dev",
)


@dataclass
class Page:
    data: list[AppListing]
    total: int

    def __iter__(self) -> Iterator[AppListing]:
        return iter(self.data)


@dataclass
class FakeDify:
    """The two calls a workspace backup makes: list the apps, export each one."""

    apps_listed: list[AppListing] = field(default_factory=list)
    exports: dict[str, str | DifyError] = field(default_factory=dict)
    exported: list[str] = field(default_factory=list)
    listing_fails: bool = False

    @property
    def apps(self) -> FakeDify:
        return self

    @property
    def dsl(self) -> FakeDify:
        return self

    def supports(self, op: str) -> bool:
        return False  # an S2 server: no version list, so no live versions to keep

    def list(self, workspace_id: str, *, limit: int) -> Page:
        assert workspace_id == TARGET.workspace_id
        if self.listing_fails:
            raise DifyError("server error (502)")
        return Page(self.apps_listed, len(self.apps_listed))

    def export(self, app_id: str, *, include_secret: bool) -> str:
        self.exported.append(app_id)
        result = self.exports[app_id]
        if isinstance(result, DifyError):
            raise result
        return result

    def __enter__(self) -> FakeDify:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


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
def dify(monkeypatch: pytest.MonkeyPatch) -> FakeDify:
    fake = FakeDify()
    monkeypatch.setattr(steps, "open_client", lambda source, rate_limit=None: fake)
    return fake


@pytest.fixture
def settings(tmp_path: Path) -> BackupSettings:
    return BackupSettings(repo=str(tmp_path / "backup"), rate_limit=None, concurrency=2)


def app(app_id: str, name: str, updated_at: str = "2025-03-18T10:00:00") -> AppListing:
    return AppListing(id=app_id, name=name, mode="workflow", updated_at=updated_at)


def run(
    settings: BackupSettings,
    dify: FakeDify,
    apps: list[AppListing],
    exports: dict[str, str | DifyError],
) -> WorkspaceResult:
    """One workspace backed up by the real task, then committed by the real task."""
    dify.apps_listed, dify.exports, dify.exported = apps, exports, []
    result = backup_workspace.fn(settings, TARGET)
    assert sorted(dify.exported) == sorted(exports), "exports given ≠ apps exported"
    commit_backup.fn(settings, [result])
    return result


def at(file_name: str) -> str:
    return f"{DIRECTORY}/{file_name}"


def summary(outcomes: list[AppOutcome]) -> list[tuple[str, str, str, str | None]]:
    return sorted((o.app_id, o.status, o.path, o.old_path) for o in outcomes)


def git(settings: BackupSettings, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", settings.repo, *args], check=True, capture_output=True, text=True
    ).stdout


def files(settings: BackupSettings) -> dict[str, str]:
    """What HEAD holds under the workspace directory (the task committed it all)."""
    with GitStore.open(Path(settings.repo), create=False) as store:
        assert store.changed_paths() == [], "the run left uncommitted files"
        return {p: store.read_at("HEAD", p) or "" for p in store.files_at("HEAD", DIRECTORY)}


def index(settings: BackupSettings) -> WorkspaceIndex:
    found = parse_index(files(settings)[INDEX_PATH])
    assert found is not None
    return found


def test_two_apps_swapping_names_swap_files(settings: BackupSettings, dify: FakeDify) -> None:
    run(
        settings,
        dify,
        [app(ALPHA, "Alpha"), app(BETA, "Beta")],
        {ALPHA: dsl("Alpha", "A"), BETA: dsl("Beta", "B")},
    )
    later = "2025-03-19T09:00:00"
    result = run(
        settings,
        dify,
        [app(ALPHA, "Beta", later), app(BETA, "Alpha", later)],
        {ALPHA: dsl("Beta", "A"), BETA: dsl("Alpha", "B")},
    )
    assert summary(result.outcomes) == [
        (ALPHA, "renamed", at("beta.yml"), at("alpha.yml")),
        (BETA, "renamed", at("alpha.yml"), at("beta.yml")),
    ]
    stored = files(settings)
    assert (stored[at("alpha.yml")], stored[at("beta.yml")]) == (
        dsl("Alpha", "B"),
        dsl("Beta", "A"),
    )
    assert {i: e.path for i, e in index(settings).apps.items()} == {
        ALPHA: at("beta.yml"),
        BETA: at("alpha.yml"),
    }
    assert git(settings, "log", "-1", "--format=%s").strip() == "Backup: 2 renamed"


def test_a_deleted_app_and_a_new_one_of_the_same_name_rewrite_one_file(
    settings: BackupSettings, dify: FakeDify
) -> None:
    run(settings, dify, [app(ALPHA, "Alpha")], {ALPHA: dsl("Alpha", "Old start")})
    result = run(settings, dify, [app(NEW, "Alpha")], {NEW: dsl("Alpha", "New start")})
    assert summary(result.outcomes) == [
        (ALPHA, "removed", at("alpha.yml"), None),
        (NEW, "added", at("alpha.yml"), None),
    ]
    assert files(settings)[at("alpha.yml")] == dsl("Alpha", "New start")
    assert list(index(settings).apps) == [NEW]
    changes = git(settings, "show", "--name-status", "-M", "--format=", "HEAD").splitlines()
    assert changes == [f"M\t{INDEX_PATH}", f"M\t{at('alpha.yml')}"]


def test_a_plain_rename_is_a_git_rename(settings: BackupSettings, dify: FakeDify) -> None:
    body = "extra:\n" + "".join(f"    - line {n}\n" for n in range(20))
    run(settings, dify, [app(ALPHA, "Alpha")], {ALPHA: dsl("Alpha") + body})
    run(settings, dify, [app(ALPHA, "Gamma", "2025-03-19")], {ALPHA: dsl("Gamma") + body})
    assert sorted(files(settings)) == [INDEX_PATH, at("gamma.yml")]
    changes = git(settings, "show", "--name-status", "-M", "--format=", "HEAD").splitlines()
    renamed = [line for line in changes if line.startswith("R")]
    assert len(renamed) == 1 and renamed[0].endswith(f"\t{at('alpha.yml')}\t{at('gamma.yml')}")


def test_a_failed_export_in_a_name_swap_keeps_its_file_and_is_retried(
    settings: BackupSettings, dify: FakeDify
) -> None:
    run(
        settings,
        dify,
        [app(ALPHA, "Alpha"), app(BETA, "Beta")],
        {ALPHA: dsl("Alpha", "A"), BETA: dsl("Beta", "B")},
    )
    swapped = [app(ALPHA, "Beta", "2025-03-19"), app(BETA, "Alpha", "2025-03-19")]
    result = run(
        settings, dify, swapped, {ALPHA: dsl("Beta", "A"), BETA: DifyError("server error (500)")}
    )
    # BETA failed, so it keeps beta.yml; ALPHA, now named "Beta", takes the suffixed name.
    assert summary(result.outcomes) == [
        (ALPHA, "renamed", at("beta-aaaaaaaa.yml"), at("alpha.yml")),
        (BETA, "failed", at("beta.yml"), None),
    ]
    stored = files(settings)
    assert stored[at("beta.yml")] == dsl("Beta", "B")
    assert stored[at("beta-aaaaaaaa.yml")] == dsl("Beta", "A")
    assert "1 renamed, 1 failed" in git(settings, "log", "-1", "--format=%s")
    # The index still records BETA as it was, so the next run exports it again.
    entry = index(settings).apps[BETA]
    assert (entry.name, entry.updated_at) == ("Beta", "2025-03-18T10:00:00")
    retried = run(settings, dify, swapped, {BETA: dsl("Alpha", "B")})
    assert summary(retried.outcomes)[1] == (BETA, "renamed", at("alpha.yml"), at("beta.yml"))
    assert sorted(files(settings)) == [INDEX_PATH, at("alpha.yml"), at("beta-aaaaaaaa.yml")]


def test_a_failed_listing_changes_nothing(settings: BackupSettings, dify: FakeDify) -> None:
    run(settings, dify, [app(ALPHA, "Alpha")], {ALPHA: dsl("Alpha")})
    head = git(settings, "rev-parse", "HEAD")
    dify.listing_fails = True
    result = backup_workspace.fn(settings, TARGET)
    assert result.error == "listing apps failed: server error (502)"
    assert (result.outcomes, result.wrote) == ([], False)
    assert commit_backup.fn(settings, [result]).sha is None
    assert git(settings, "rev-parse", "HEAD") == head
    assert sorted(files(settings)) == [INDEX_PATH, at("alpha.yml")]


def test_a_redacted_export_never_reaches_git(settings: BackupSettings, dify: FakeDify) -> None:
    result = run(settings, dify, [app(ALPHA, "Keys")], {ALPHA: with_credentials()})
    assert [len(o.redacted) for o in result.outcomes] == [2]
    assert index(settings).apps[ALPHA].redacted is True
    history = git(settings, "log", "-p", "--all")
    assert "value: <redacted>" in history
    assert SECRET not in history and "Zx81Qw77Lm22Rt00Yy" not in history
