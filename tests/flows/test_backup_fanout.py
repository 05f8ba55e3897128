"""The backup fanned out over groups of workspaces (issue 13), in process: the groups run
as subflows when there is no `backup-group` deployment. Against the emulator and real
git repositories."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from flows.backup import run_backup
from flows.backup_fanout import backup_fanout_flow
from jobs import BackupSettings, Source
from reconcile.backup.layout import host_dir
from tasks.backup.fanout import group_workspaces
from tasks.backup.steps import BackupTarget
from tests.flows.backup_support import commits, git, sign_in, tracked_files
from tests.support.emulator import EmulatorHandle


def fanout(repo: Path, **options: object) -> dict[str, object]:
    return asyncio.run(backup_fanout_flow(repo=str(repo), rate_limit=None, **options))  # type: ignore[arg-type]


def tree(repo: Path) -> dict[str, str]:
    """Every committed file's content (the index files' timestamps included)."""
    return {path: git(repo, "show", f"HEAD:{path}") for path in tracked_files(repo)}


def test_a_fanned_out_backup_commits_once_what_a_plain_backup_commits(
    prefect_harness, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sign_in(emulator, monkeypatch)
    fanned, plain = tmp_path / "fanned", tmp_path / "plain"
    summary = fanout(fanned, groups=2, group_deployment=None)
    run_backup(BackupSettings(repo=str(plain), rate_limit=None), [Source()])

    assert summary["ran_as"] == "subflows"
    assert [g["workspaces"] for g in summary["groups"]] == [2, 1]  # type: ignore[attr-defined]
    assert len(commits(fanned)) == 1
    assert tree(fanned) == tree(plain)
    directories = {path.rsplit("/", 1)[0] for path in tracked_files(fanned)}
    host = host_dir(emulator.base_url)
    assert {f"{host}/acme-dev", f"{host}/acme-prod", f"{host}/partner-lab"} <= directories
    subject = git(fanned, "log", "-1", "--format=%s")
    assert subject == git(plain, "log", "-1", "--format=%s")
    assert not (fanned / ".git" / "difyops-fanout").exists() or not any(
        (fanned / ".git" / "difyops-fanout").iterdir()
    )


def test_a_rerun_without_changes_makes_no_commit(
    prefect_harness, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sign_in(emulator, monkeypatch)
    repo = tmp_path / "backup"
    fanout(repo, group_deployment=None)
    emulator.admin.reset_stats()
    summary = fanout(repo, group_deployment=None)
    assert summary["commit"] is None
    assert len(commits(repo)) == 1
    assert emulator.admin.stats().get(emulator.route("export.console_app.dsl"), 0) == 0


def test_a_failing_group_fails_the_run_after_committing_the_other_groups(
    prefect_harness, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sign_in(emulator, monkeypatch)
    repo = tmp_path / "backup"
    host = host_dir(emulator.base_url)
    # Someone committed a file where Acme Prod's directory goes: its group cannot write.
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / host).mkdir()
    (repo / host / "acme-prod").write_text("not a directory\n")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=u", "-c", "user.email=u@u", "commit", "-qm", "blocker")

    with pytest.raises(Exception, match="Acme Prod"):
        fanout(repo, groups=2, group_deployment=None)

    assert len(commits(repo)) == 2
    files = tracked_files(repo)
    assert f"{host}/acme-dev/support-ticket-triage.yml" in files
    assert f"{host}/partner-lab/_index.yml" in files
    assert not any(f.startswith(f"{host}/acme-prod/") for f in files)
    # What the failed group had left in the work tree is gone; the blocker is as committed.
    assert git(repo, "status", "--porcelain").strip() == ""
    assert (repo / host / "acme-prod").read_text() == "not a directory\n"


# -- grouping (pure) -----------------------------------------------------------------------


def target(host: str, name: str, n: int) -> BackupTarget:
    return BackupTarget(
        source=Source(),
        base_url=f"https://{host}",
        workspace_id=f"00000000-0000-4000-8000-{n:012d}",
        workspace_name=name,
    )


def test_one_host_is_split_by_apps_and_shares_its_rate_limit() -> None:
    targets = [target("a.example", f"W{n}", n) for n in range(4)]
    groups = group_workspaces(targets, [100, 10, 10, 80], groups=2, rate_limit=50)
    # Largest first into the lightest group; each group keeps listing order.
    assert [[t.workspace_name for t in g.targets] for g in groups] == [["W0"], ["W1", "W2", "W3"]]
    assert [g.rate_limit for g in groups] == [25, 25]


def test_hosts_are_never_split_when_there_are_enough_of_them() -> None:
    targets = [target("a.example", "A1", 1), target("b.example", "B1", 2)]
    targets += [target("a.example", "A2", 3), target("c.example", "C1", 4)]
    groups = group_workspaces(targets, [5, 5, 5, 1], groups=2, rate_limit=50)
    hosts = [{t.base_url for t in g.targets} for g in groups]
    assert all(len(h) >= 1 for h in hosts) and len(groups) == 2
    a_groups = [g for g in groups if "https://a.example" in {t.base_url for t in g.targets}]
    assert len(a_groups) == 1 and all(g.rate_limit == 50 for g in groups)


def test_workspaces_whose_directories_could_clash_stay_in_one_group_in_order() -> None:
    targets = [target("a.example", "Dev", 1), target("a.example", "Prod", 2)]
    targets.append(target("a.example", "Dev", 3))
    groups = group_workspaces(targets, [1, 1, 1], groups=3, rate_limit=None)
    together = [g for g in groups if any(t.workspace_name == "Dev" for t in g.targets)]
    assert len(together) == 1
    assert [t.workspace_id[-1] for t in together[0].targets if t.workspace_name == "Dev"] == [
        "1",
        "3",
    ]
