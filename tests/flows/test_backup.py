"""The backup job against the emulator and real git repositories (issue 5)."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.backup import backup_flow, run_backup
from gitstore import PushRejectedError
from jobs import BackupSettings, Source
from reconcile.backup.layout import host_dir, parse_index
from tests.flows.backup_support import (
    DIGEST,
    HELPDESK,
    TRIAGE,
    commits,
    edit_dsl,
    first_node,
    git,
    sign_in,
    tracked_files,
)
from tests.support.emulator import EmulatorHandle

# The demo seed's value of Support Ticket Triage's secret TICKETING_API_KEY.
SEEDED_SECRET = "tk-demo-7Qm2Vx9LpA4sR8"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return tmp_path / "backup"


@pytest.fixture
def backup(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, repo: Path):  # type: ignore[no-untyped-def]
    sign_in(emulator, monkeypatch)

    def run(**options: object):  # type: ignore[no-untyped-def]
        settings = BackupSettings(repo=str(repo), rate_limit=None, **options)  # type: ignore[arg-type]
        return run_backup(settings, [Source()])

    return run


def retitle(title: str):  # type: ignore[no-untyped-def]
    """An edit that changes behaviour-relevant node data (the LLM node's title)."""

    def change(data):  # type: ignore[no-untyped-def]
        first_node(data, "llm")["data"]["title"] = title

    return change


def test_resaving_an_app_unchanged_refreshes_only_the_index(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()
    edit_dsl(emulator, TRIAGE, lambda data: None)  # saved again, nothing changed
    report = backup()
    assert report.commit
    assert git(repo, "log", "-1", "--format=%s").startswith("Backup: index refreshed (1 app")
    assert git(repo, "show", "--name-only", "--format=", "HEAD").strip().endswith("_index.yml")


def app_dir(emulator: EmulatorHandle, workspace: str = "acme-dev") -> str:
    return f"{host_dir(emulator.base_url)}/{workspace}"


def test_first_backup_writes_every_visible_app_and_one_commit(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    report = backup()
    assert report.ok and report.commit
    files = tracked_files(repo)
    dev = app_dir(emulator)
    assert f"{dev}/support-ticket-triage.yml" in files
    assert f"{dev}/_index.yml" in files
    assert f"{app_dir(emulator, 'acme-prod')}/policy-helpdesk.yml" in files
    assert not any("internal-cost-report" in f for f in files)  # Service API off
    assert len(commits(repo)) == 1
    message = git(repo, "log", "-1", "--format=%B")
    assert message.startswith("Backup: 10 added")
    assert "added    Support Ticket Triage (workflow)" in message
    # What is stored is exactly the server's export.
    stored = (repo / dev / "support-ticket-triage.yml").read_text()
    assert stored == emulator.export(TRIAGE)


def test_a_rerun_without_changes_costs_only_the_listings(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()
    emulator.admin.reset_stats()
    report = backup()
    assert report.commit is None
    stats = emulator.admin.stats()
    assert stats.get(emulator.route("export.console_app.dsl"), 0) == 0
    assert set(stats) == {"GET /workspaces", "GET /apps"}
    assert stats["GET /apps"] == 3  # one page per workspace
    assert len(commits(repo)) == 1


def test_an_edited_app_gets_one_commit_naming_it(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()

    def reword(data):  # type: ignore[no-untyped-def]
        llm = first_node(data, "llm")
        llm["data"]["prompt_template"][0]["text"] += "\nAnswer in English."

    edit_dsl(emulator, TRIAGE, reword)
    emulator.admin.reset_stats()
    report = backup()
    assert report.commit
    assert emulator.admin.stats()[emulator.route("export.console_app.dsl")] == 1
    message = git(repo, "log", "-1", "--format=%B")
    assert message.splitlines()[0] == "Backup: 1 changed"
    if emulator.generation == "s3":  # live versions are kept too: the line says which file
        assert "changed  Support Ticket Triage (workflow): draft — 1 node changed" in message
    else:
        assert "changed  Support Ticket Triage: 1 node changed" in message


def test_layout_only_edits_say_so(backup, emulator: EmulatorHandle, repo: Path) -> None:
    backup()

    def move(data):  # type: ignore[no-untyped-def]
        for node in data["workflow"]["graph"]["nodes"][:2]:
            node["position"]["x"] += 120

    edit_dsl(emulator, TRIAGE, move)
    backup()
    assert "layout only" in git(repo, "log", "-1", "--format=%B")


def test_a_renamed_app_moves_its_file_and_history_follows(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()
    emulator.admin.edit_app(DIGEST, name="Weekly Release Digest")
    backup()
    dev = app_dir(emulator)
    status = git(repo, "show", "--name-status", "-M", "--format=", "HEAD")
    assert "R" in status and f"{dev}/weekly-release-digest.yml" in status
    assert f"{dev}/release-notes-digest.yml" not in tracked_files(repo)
    log = git(repo, "log", "--follow", "--format=%s", "--", f"{dev}/weekly-release-digest.yml")
    assert len(log.splitlines()) == 2
    message = git(repo, "log", "-1", "--format=%B")
    assert "renamed  Release Notes Digest → Weekly Release Digest" in message


def test_a_deleted_app_leaves_the_tree_but_not_history(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()
    emulator.admin.delete_app(DIGEST)
    backup()
    dev = app_dir(emulator)
    assert f"{dev}/release-notes-digest.yml" not in tracked_files(repo)
    assert "removed  Release Notes Digest" in git(repo, "log", "-1", "--format=%B")
    assert git(repo, "show", f"HEAD~1:{dev}/release-notes-digest.yml")


def test_same_named_apps_never_share_a_file(backup, emulator: EmulatorHandle, repo: Path) -> None:
    backup()
    emulator.admin.edit_app(HELPDESK, name="Support Ticket Triage")
    backup()
    dev = app_dir(emulator)
    files = [
        f
        for f in tracked_files(repo)
        if f.startswith(f"{dev}/support-ticket-triage") and not f.endswith(".published.yml")
    ]
    # The first keeps its stable path; the newcomer's gets the first 8 characters of its id.
    assert files == [
        f"{dev}/support-ticket-triage-a0000000.yml",
        f"{dev}/support-ticket-triage.yml",
    ]
    index = parse_index((repo / dev / "_index.yml").read_text())
    assert index is not None
    assert index.apps[TRIAGE].path == f"{dev}/support-ticket-triage.yml"
    assert index.apps[HELPDESK].path == f"{dev}/support-ticket-triage-a0000000.yml"
    assert "mode: advanced-chat" in (repo / dev / "support-ticket-triage-a0000000.yml").read_text()
    assert "mode: workflow" in (repo / dev / "support-ticket-triage.yml").read_text()


def test_an_export_failure_keeps_the_last_good_file(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()
    edit_dsl(emulator, TRIAGE, retitle("Classify the ticket"))
    edit_dsl(emulator, DIGEST, retitle("Summarise the release"))
    before = (repo / app_dir(emulator) / "support-ticket-triage.yml").read_text()
    emulator.admin.fault(
        "server_error",
        status=500,
        route=emulator.route("export.console_app.dsl"),
        path_contains=TRIAGE,
    )
    report = backup()
    assert not report.ok
    assert [o.name for _, o in report.failed] == ["Support Ticket Triage"]
    assert report.commit  # the other app's change was still committed
    assert (repo / app_dir(emulator) / "support-ticket-triage.yml").read_text() == before
    assert "changed  Release Notes Digest" in git(repo, "log", "-1", "--format=%B")
    emulator.admin.clear_faults()
    retried = backup()
    assert retried.ok and "changed  Support Ticket Triage" in git(repo, "log", "-1", "--format=%B")


def test_full_reports_content_that_changed_without_updated_at(
    backup, emulator: EmulatorHandle, repo: Path
) -> None:
    backup()
    edit_dsl(emulator, TRIAGE, retitle("Sneaky edit"), touch=False)
    assert backup().commit is None  # incremental: updated_at did not move
    report = backup(full=True)
    silent = [o.name for r in report.results for o in r.outcomes if o.changed_without_timestamp]
    assert silent == ["Support Ticket Triage"]


def test_credentials_are_redacted_and_never_reach_git(
    backup, emulator: EmulatorHandle, repo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    live_key = "sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0"

    def hardcode(data):  # type: ignore[no-untyped-def]
        node = first_node(data, "http-request")
        node["data"]["headers"] = f"Authorization:Bearer {live_key}"

    edit_dsl(emulator, DIGEST, hardcode)
    report = backup(include_secret=True)
    redacted = [o for r in report.results for o in r.outcomes if o.redacted]
    assert {o.name for o in redacted} == {"Release Notes Digest", "Support Ticket Triage"}
    assert all(live_key not in finding for o in redacted for finding in o.redacted)
    assert "tk-demo" not in git(repo, "log", "-p", "--all")
    assert live_key not in git(repo, "log", "-p", "--all")
    assert "<redacted>" in (repo / app_dir(emulator) / "release-notes-digest.yml").read_text()
    # Nor the logs (at DEBUG, where HTTP traffic is logged) nor the report.
    assert caplog.records
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    report_json = report.model_dump_json()
    for secret in (live_key, SEEDED_SECRET):
        assert secret not in logged
        assert secret not in report_json
    assert "tk-demo" not in logged and "tk-demo" not in report_json


def test_a_file_url_repository_is_cloned_committed_and_pushed(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sign_in(emulator, monkeypatch)
    cache = tmp_path / "cache"
    monkeypatch.setenv("DIFYOPS_CACHE_DIR", str(cache))
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--bare", "-q", "-b", "main", str(remote)], check=True)
    settings = BackupSettings(repo=f"file://{remote}", push=True, rate_limit=None)
    assert settings.work_tree().is_relative_to(cache)

    first = run_backup(settings, [Source()])
    assert first.ok and first.commit and first.pushed
    assert git(remote, "rev-parse", "main").strip() == first.commit
    assert git(remote, "log", "--format=%s", "main").splitlines() == ["Backup: 10 added"]
    dev = app_dir(emulator)
    pushed_files = git(remote, "ls-tree", "-r", "--name-only", "main").split()
    assert f"{dev}/support-ticket-triage.yml" in pushed_files
    drafts = [f for f in pushed_files if not f.endswith(("_index.yml", ".published.yml"))]
    assert len(drafts) == 10
    assert commits(settings.work_tree()) == [first.commit]

    second = run_backup(settings, [Source()])
    assert second.commit is None and second.pushed
    assert git(remote, "log", "--format=%H", "main").split() == [first.commit]


def test_push_to_a_bare_remote_and_a_remote_that_moved_on(
    backup, emulator: EmulatorHandle, repo: Path, tmp_path: Path
) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--bare", "-q", "-b", "main", str(remote)], check=True)
    backup()
    git(repo, "remote", "add", "origin", str(remote))
    first = backup(push=True)
    assert first.commit is None and first.pushed
    assert git(remote, "rev-parse", "main").strip() == commits(repo)[0]
    # Someone else pushes an unrelated commit.
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True)
    (other / "README.md").write_text("backups of our Dify\n")
    git(other, "add", "README.md")
    git(other, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "readme")
    git(other, "push", "-q", "origin", "main")
    edit_dsl(emulator, TRIAGE, retitle("Pushed change"))
    report = backup(push=True)
    assert report.pushed and report.commit
    log = git(remote, "log", "--format=%s", "main").splitlines()
    assert log[:2] == ["Backup: 1 changed", "readme"]


def test_a_conflicting_remote_fails_clearly_and_forces_nothing(
    backup, emulator: EmulatorHandle, repo: Path, tmp_path: Path
) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--bare", "-q", "-b", "main", str(remote)], check=True)
    backup()
    git(repo, "remote", "add", "origin", str(remote))
    backup(push=True)
    edit_dsl(emulator, TRIAGE, retitle("Local change"))
    local_commit = backup().commit  # committed here, not pushed yet
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True)
    target = other / app_dir(emulator) / "support-ticket-triage.yml"
    target.write_text(target.read_text().replace("title: ", "title: Edited elsewhere ", 3))
    git(other, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qam", "hand edit")
    git(other, "push", "-q", "origin", "main")
    remote_head = git(remote, "rev-parse", "main")
    with pytest.raises(PushRejectedError, match="nothing was forced") as raised:
        backup(push=True)
    assert raised.value.hint and "git pull --rebase" in raised.value.hint
    assert git(remote, "rev-parse", "main") == remote_head  # theirs untouched
    assert git(repo, "rev-parse", "HEAD").strip() == local_commit  # ours kept
    assert git(repo, "status", "--porcelain") == ""  # no half-finished rebase left behind


def test_a_killed_run_leaves_a_valid_repository_and_the_next_completes(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, repo: Path
) -> None:
    token = sign_in(emulator, monkeypatch)
    emulator.admin.fault("latency", latency_ms=300, route=emulator.route("export.console_app.dsl"))
    command = [
        sys.executable,
        "-m",
        "difyops",
        "backup",
        "run",
        "--repo",
        str(repo),
        "--concurrency",
        "1",
    ]
    env = {
        "DIFY_SERVER": emulator.base_url,
        "DIFY_TOKEN": token,
        "PATH": "/usr/bin:/bin",
        "DIFYOPS_CONFIG_DIR": str(repo.parent / "cfg"),
        "HOME": str(repo.parent),
    }
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list(repo.rglob("*.yml")):
        time.sleep(0.05)
    process.kill()
    process.wait()
    assert (repo / ".git").exists()
    emulator.admin.clear_faults()
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    git(repo, "fsck", "--full", "--strict")
    assert git(repo, "status", "--porcelain") == ""
    stored = tracked_files(repo)
    assert len([f for f in stored if not f.endswith(("_index.yml", ".published.yml"))]) == 10


def test_the_real_flow_commits_and_publishes_an_artifact(
    prefect_harness, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, repo: Path
) -> None:
    sign_in(emulator, monkeypatch)
    result = asyncio.run(backup_flow(repo=str(repo), rate_limit=None))
    assert result["commit"]
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        artifact = client.read_latest_artifacts()
    keyed = [a for a in artifact if a.key == "dify-backup"]
    assert keyed and "Support Ticket Triage" in str(keyed[0].data)
    assert "tk-demo" not in str(keyed[0].data)
