"""`difyops drift`: exit codes, the table, --json and --markdown, and no writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.backup import run_backup
from jobs import BackupSettings, Source
from tests.flows.backup_support import commits
from tests.flows.promote_support import PROD_HELPDESK, SECRET_PREFIX, change_dev
from tests.support.emulator import DEMO, EmulatorHandle


@pytest.fixture
def repo(signed_in: str, emulator: EmulatorHandle, tmp_path: Path) -> Path:
    """A backup of Prod, freshly made: the desired state."""
    path = tmp_path / "backup"
    run_backup(BackupSettings(repo=str(path), rate_limit=None), [Source(workspaces=["Acme Prod"])])
    return path


def drift(invoke, repo: Path, *args: str):  # type: ignore[no-untyped-def]
    return invoke("drift", "-w", "Acme Prod", "--repo", str(repo), *args)


def writes(emulator: EmulatorHandle) -> list[str]:
    return [k for k in emulator.admin.stats() if not k.startswith("GET")]


def test_no_drift_right_after_a_backup_exits_0(invoke, repo: Path, emulator) -> None:
    emulator.admin.reset_stats()
    result = drift(invoke, repo, "--desired", "git:HEAD")
    assert result.exit_code == 0, result.output
    assert "no drift" in result.stdout
    assert writes(emulator) == []


def test_a_console_edit_and_an_extra_app_exit_2_with_the_table(
    invoke, repo: Path, emulator: EmulatorHandle
) -> None:
    change_dev(emulator, PROD_HELPDESK, "Edited in the console")
    emulator.admin.bulk(DEMO.ACME_PROD, apps=1)
    emulator.admin.reset_stats()
    result = drift(invoke, repo, "--desired", "git:main")
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    helpdesk = next(line for line in lines if line.startswith("Policy Helpdesk "))
    assert "changed" in helpdesk and "1 node changed" in helpdesk
    assert commits(repo)[0][:12] in helpdesk  # since the backup commit
    assert any("extra" in line and "not in the desired state" in line for line in lines)
    assert '"Edited in the console"' in result.stdout  # the node diff, live → desired
    assert SECRET_PREFIX not in result.output
    assert writes(emulator) == []


def test_json_and_markdown(invoke, repo: Path, emulator: EmulatorHandle) -> None:
    change_dev(emulator, PROD_HELPDESK, "Edited in the console")
    as_json = drift(invoke, repo, "--desired", "git:HEAD", "--json")
    assert as_json.exit_code == 2
    report = json.loads(as_json.stdout)
    assert report["kind"] == "drift" and report["desired"]["commit"] == commits(repo)[0]
    assert [(a["name"], a["state"]) for a in report["drifted"]] == [("Policy Helpdesk", "changed")]
    assert report["drifted"][0]["since"]["commit"] == commits(repo)[0]
    as_markdown = drift(invoke, repo, "--desired", "git:HEAD", "--markdown", "--app", "Policy*")
    assert as_markdown.exit_code == 2
    assert as_markdown.stdout.startswith("# Dify drift check")
    assert "| Policy Helpdesk | changed | 1 node changed |" in as_markdown.stdout
    narrowed = drift(invoke, repo, "--desired", "git:HEAD", "--app", "Support*")
    assert narrowed.exit_code == 0, narrowed.output


def test_a_workspace_as_the_desired_state(invoke, signed_in, emulator: EmulatorHandle) -> None:
    result = invoke("drift", "-w", "Acme Prod", "--desired", "Acme Dev", "--json")
    assert result.exit_code == 2
    states = {a["name"]: a["state"] for a in json.loads(result.stdout)["drifted"]}
    assert states["Release Notes Digest"] == "missing"
    assert states["Policy Helpdesk"] == "changed"


def test_errors_exit_1_never_2(invoke, repo: Path, tmp_path: Path) -> None:
    typo = invoke("drift", "-w", "Acme Prod", "--desird", "git:HEAD")
    assert typo.exit_code == 1
    missing = invoke("drift", "-w", "Acme Prod")
    assert missing.exit_code == 1 and "--desired" in missing.output
    unknown_ref = drift(invoke, repo, "--desired", "git:nope")
    assert unknown_ref.exit_code == 1
    assert "unknown git ref 'nope'" in unknown_ref.stderr
    both = drift(invoke, repo, "--desired", "git:HEAD", "--json", "--markdown")
    assert both.exit_code == 1
    no_backup = invoke("drift", "-w", "Acme Prod", "--desired", "git:HEAD", "--repo", str(tmp_path))
    assert no_backup.exit_code == 1


def test_help_teaches_the_states_and_exit_codes(invoke) -> None:
    result = invoke("drift", "--help")
    assert result.exit_code == 0
    for word in ("changed", "missing", "extra", "blocked", "0 no drift", "2 drift found"):
        assert word in result.stdout


def test_a_backup_of_several_workspaces_reads_the_live_workspaces_own_directory(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    repo = tmp_path / "backup"
    workspaces = ["Acme Dev", "Acme Prod"]
    run_backup(BackupSettings(repo=str(repo), rate_limit=None), [Source(workspaces=workspaces)])
    prod_dir = next(p.parent for p in repo.glob("*/*/_index.yml") if "prod" in p.parent.name)
    path = prod_dir.relative_to(repo).as_posix()
    implied = drift(invoke, repo, "--desired", "git:HEAD")
    assert implied.exit_code == 0, implied.output
    assert path in implied.stdout
    exact = drift(invoke, repo, "--desired", f"git:HEAD:{path}")
    assert exact.exit_code == 0, exact.output


def test_a_backup_without_the_live_workspace_needs_the_path(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    repo = tmp_path / "backup"
    workspaces = ["Acme Dev", "Partner Lab"]
    run_backup(BackupSettings(repo=str(repo), rate_limit=None), [Source(workspaces=workspaces)])
    vague = drift(invoke, repo, "--desired", "git:HEAD")
    assert vague.exit_code == 1
    assert "say which workspace of the backup to read (git:HEAD:PATH)" in vague.stderr
    dev_dir = next(p.parent for p in repo.glob("*/*/_index.yml") if "dev" in p.parent.name)
    assert dev_dir.relative_to(repo).as_posix() in vague.stderr  # the hint lists them
