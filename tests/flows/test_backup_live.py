"""The backup keeps what is live beside the draft on servers that list versions (S3)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flows.backup import run_backup
from jobs import BackupSettings, Source
from reconcile.backup.layout import host_dir, parse_index
from tests.flows.backup_support import HELPDESK, TRIAGE, edit_dsl, first_node, git, sign_in
from tests.support.emulator import EmulatorHandle

# The demo seed's value of Support Ticket Triage's secret TICKETING_API_KEY.
SEEDED_SECRET = "tk-demo-7Qm2Vx9LpA4sR8"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return tmp_path / "backup"


@pytest.fixture
def backup(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, repo: Path):  # type: ignore[no-untyped-def]
    sign_in(emulator, monkeypatch)

    def run():  # type: ignore[no-untyped-def]
        return run_backup(BackupSettings(repo=str(repo), rate_limit=None), [Source()])

    return run


def retitle(emulator: EmulatorHandle, app_id: str, title: str) -> None:
    def change(data):  # type: ignore[no-untyped-def]
        first_node(data, "llm")["data"]["title"] = title

    edit_dsl(emulator, app_id, change)


def llm_title(path: Path) -> str:
    return str(first_node(yaml.safe_load(path.read_text()), "llm")["data"]["title"])


def dev_dir(emulator: EmulatorHandle, repo: Path) -> Path:
    return repo / host_dir(emulator.base_url) / "acme-dev"


def last_message(repo: Path) -> str:
    return git(repo, "log", "-1", "--format=%B")


def versions_calls(emulator: EmulatorHandle) -> int:
    return sum(n for key, n in emulator.admin.stats().items() if key.endswith("/versions"))


@pytest.mark.generations("s3")
def test_a_live_version_that_differs_from_the_draft_is_stored_beside_it(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()
    dev = dev_dir(emulator, repo)
    assert not (dev / "policy-helpdesk.published.yml").exists()  # never published
    # The seeded triage app runs an older version: kept, without its secret.
    published_triage = (dev / "support-ticket-triage.published.yml").read_text()
    assert "Customer tier" not in published_triage
    assert SEEDED_SECRET not in published_triage

    retitle(emulator, HELPDESK, "Answer v2")
    live_id = emulator.admin.publish(HELPDESK)
    retitle(emulator, HELPDESK, "Answer v3 (draft)")
    report = backup()

    assert report.ok and report.commit
    assert llm_title(dev / "policy-helpdesk.yml") == "Answer v3 (draft)"
    assert llm_title(dev / "policy-helpdesk.published.yml") == "Answer v2"
    assert "changed  Policy Helpdesk (advanced-chat): draft, published" in last_message(repo)
    index = parse_index((dev / "_index.yml").read_text())
    assert index is not None
    live = index.apps[HELPDESK].live
    assert live is not None and live.version_id == live_id


@pytest.mark.generations("s3")
def test_a_rerun_without_changes_looks_at_no_version(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()
    retitle(emulator, HELPDESK, "Answer v2")
    emulator.admin.publish(HELPDESK)
    retitle(emulator, HELPDESK, "Answer v3 (draft)")
    backup()
    emulator.admin.reset_stats()

    assert backup().commit is None
    stats = emulator.admin.stats()
    assert stats.get(emulator.route("export.console_app.dsl"), 0) == 0
    assert versions_calls(emulator) == 0
    assert set(stats) == {"GET /workspaces", "GET /apps"}


@pytest.mark.generations("s3")
def test_an_edited_draft_keeps_an_unchanged_live_file_without_exporting_it_again(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()
    retitle(emulator, TRIAGE, "Triage v3")
    emulator.admin.reset_stats()
    backup()
    # One versions call finds the same live version: only the draft is exported.
    assert emulator.admin.stats()[emulator.route("export.console_app.dsl")] == 1
    assert versions_calls(emulator) == 1
    assert "changed  Support Ticket Triage (workflow): draft —" in last_message(repo)
    assert (dev_dir(emulator, repo) / "support-ticket-triage.published.yml").exists()


@pytest.mark.generations("s3")
def test_publishing_the_draft_removes_the_published_file(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()
    dev = dev_dir(emulator, repo)
    assert (dev / "support-ticket-triage.published.yml").exists()
    emulator.admin.publish(TRIAGE)  # draft and live are equal again
    report = backup()
    assert report.commit
    assert not (dev / "support-ticket-triage.published.yml").exists()
    assert "changed  Support Ticket Triage (workflow): published" in last_message(repo)
    assert "support-ticket-triage.published.yml" in git(
        repo, "show", "--name-only", "--format=", "HEAD"
    )
    index = parse_index((dev / "_index.yml").read_text())
    assert index is not None
    live = index.apps[TRIAGE].live
    assert live is not None and live.version_id and live.published_hash is None


@pytest.mark.generations("s2")
def test_on_s2_nothing_but_the_draft_is_stored(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()
    retitle(emulator, TRIAGE, "Triage v3")
    emulator.admin.reset_stats()
    backup()
    assert emulator.admin.stats()[emulator.route("export.console_app.dsl")] == 1
    assert versions_calls(emulator) == 0
    assert not any(f.endswith(".published.yml") for f in git(repo, "ls-files").split())
    assert "live" not in (dev_dir(emulator, repo) / "_index.yml").read_text()


@pytest.mark.generations("s3")
def test_the_published_file_follows_a_rename_and_leaves_with_its_app(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()
    dev = dev_dir(emulator, repo)
    kept = (dev / "support-ticket-triage.published.yml").read_text()
    emulator.admin.edit_app(TRIAGE, name="Ticket Triage")
    backup()
    assert (dev / "ticket-triage.published.yml").read_text() == kept
    assert not (dev / "support-ticket-triage.published.yml").exists()
    emulator.admin.delete_app(TRIAGE)
    backup()
    assert not list(dev.glob("*ticket-triage*"))
    assert "removed  Ticket Triage" in last_message(repo)
