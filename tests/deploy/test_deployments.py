"""Each deployment of prefect.yaml, run by the workers of a real Prefect server, against the
emulator, read back as a user reads it: the run's state, its artifact, the git remote."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path
from uuid import UUID

import pytest

from tests.deploy.conftest import Deployed
from tests.flows.promote_support import PROD_HELPDESK
from tests.support.emulator import EmulatorHandle

BACKUP = "backup/backup-nightly"
PROMOTE = "promote/promote"
SMOKE = "smoke-check/smoke-check"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def bare_remote(tmp_path: Path, name: str = "remote.git") -> Path:
    remote = tmp_path / name
    subprocess.run(["git", "init", "--bare", "-q", "-b", "main", str(remote)], check=True)
    return remote


def markdown(deployed: Deployed, key: str, flow_run_id: object) -> str:
    found = deployed.server.artifacts(key, flow_run_id=flow_run_id)  # type: ignore[arg-type]
    assert found, f"no {key} artifact for flow run {flow_run_id}"
    return str(found[0].data)


def running_span(deployed: Deployed, flow_run_id: UUID) -> tuple[datetime, datetime]:
    """When the run entered Running and when it reached its final state."""
    states = deployed.server._call("read_flow_run_states", flow_run_id)
    running = min(s.timestamp for s in states if s.type.value == "RUNNING")
    final = max(s.timestamp for s in states if s.is_final())
    return running, final


def test_a_backup_commits_and_pushes_and_an_unchanged_second_run_adds_no_commit(
    deployed: Deployed, signed_in: EmulatorHandle, tmp_path: Path
):
    remote = bare_remote(tmp_path)
    params = {"repo": f"file://{remote}"}
    state, run_id = deployed.server.run(BACKUP, params)
    assert state == "Completed", deployed.server.logs(run_id)
    log = git(remote, "log", "--format=%s", "main").splitlines()
    assert log == ["Backup: 10 added"]
    assert "added" in markdown(deployed, "dify-backup", run_id)

    state, run_id = deployed.server.run(BACKUP, params)
    assert state == "Completed", deployed.server.logs(run_id)
    assert git(remote, "log", "--format=%s", "main").splitlines() == log


def test_two_backups_at_once_on_two_workers_lose_nothing(
    deployed: Deployed, signed_in: EmulatorHandle, tmp_path: Path
):
    remote = bare_remote(tmp_path)
    params = {"repo": f"file://{remote}"}
    # prefect.yaml limits the backup deployment to one run at a time; the other one waits
    # for the slot (AwaitingConcurrencySlot) rather than failing on the repository's lock.
    first = deployed.server.submit(BACKUP, params)
    second = deployed.server.submit(BACKUP, params)
    states = [deployed.server.wait(first), deployed.server.wait(second)]
    assert states == ["Completed", "Completed"], [
        deployed.server.logs(first),
        deployed.server.logs(second),
    ]
    # They never ran at the same time: one finished before the other started running.
    (start_a, end_a), (start_b, end_b) = (running_span(deployed, r) for r in (first, second))
    assert end_a <= start_b or end_b <= start_a
    git(remote, "fsck", "--strict")
    # One commit with every app: the later run found everything in place (a file lost
    # between the two would have been added again in a second commit).
    assert git(remote, "log", "--format=%s", "main").splitlines() == ["Backup: 10 added"]
    pushed = git(remote, "ls-tree", "-r", "--name-only", "main").split()
    drafts = [f for f in pushed if not f.endswith(("_index.yml", ".published.yml"))]
    assert len(drafts) == 10, pushed


def test_a_backup_with_a_bad_token_fails_shortly_and_leaves_an_artifact(
    deployed: Deployed, signed_in: EmulatorHandle, tmp_path: Path
):
    deployed.use_token("dfoa_" + "x" * 40)
    remote = bare_remote(tmp_path)
    state, run_id = deployed.server.run(BACKUP, {"repo": f"file://{remote}"})
    assert state == "Failed"
    run = deployed.server.flow_run(run_id)
    message = run.state.message or ""
    assert message and len(message) < 400 and "Traceback" not in message, message
    assert "x" * 40 not in message
    [artifact] = deployed.server.artifacts("dify-backup", flow_run_id=run_id)
    assert "401" in str(artifact.data) and "x" * 40 not in str(artifact.data)


def test_a_promotion_is_planned_then_applied_with_the_reviewed_checksum(
    deployed: Deployed, signed_in: EmulatorHandle
):
    state, plan_run = deployed.server.run(PROMOTE, {"confirm": False})
    assert state == "Completed", deployed.server.logs(plan_run)
    plan = markdown(deployed, "dify-promotion-plan", plan_run)
    checksum = re.search(r"Checksum `(sha256:[0-9a-f]+)`", plan)
    assert checksum, plan
    assert not deployed.server.artifacts("dify-promotion-result", flow_run_id=plan_run)

    state, apply_run = deployed.server.run(
        PROMOTE, {"confirm": True, "plan_checksum": checksum.group(1)}
    )
    assert state == "Completed", deployed.server.logs(apply_run)
    assert markdown(deployed, "dify-promotion-result", apply_run)


def test_the_smoke_check_runs_the_smoke_file_on_prod_and_fails_when_a_case_fails(
    deployed: Deployed, signed_in: EmulatorHandle
):
    # On the demo seed one of examples/smoke.yml's two cases fails on Acme Prod: the run
    # fails (so the failure automation notifies) and the artifact says how many passed.
    state, run_id = deployed.server.run(SMOKE)
    assert state == "Failed", deployed.server.logs(run_id)
    assert "1 of 2 smoke cases passed" in markdown(deployed, "dify-smoke-check", run_id)
    message = deployed.server.flow_run(run_id).state.message or ""
    assert "smoke check failed" in message and len(message) < 400, message


def test_the_members_sync_publishes_a_plan_and_changes_nothing(
    deployed: Deployed, signed_in: EmulatorHandle
):
    before = signed_in.admin.accounts()
    state, run_id = deployed.server.run("sync-members/members-sync")
    assert state == "Completed", deployed.server.logs(run_id)
    plan = markdown(deployed, "dify-members-plan", run_id)
    assert "hedy@acme.example" in plan  # the demo manifest invites Hedy
    assert not deployed.server.artifacts("dify-members-apply", flow_run_id=run_id)
    assert signed_in.admin.accounts() == before


def test_an_empty_repo_parameter_is_refused_by_the_server_before_any_run(
    deployed: Deployed, signed_in: EmulatorHandle
):
    # An unset Prefect variable renders as "": the parameter schema refuses it, so no run
    # is created and nothing is written anywhere (the worker's directory included).
    runs_before = len(deployed.server.flow_runs())
    signed_in.admin.reset_stats()
    from prefect.exceptions import PrefectHTTPStatusError

    with pytest.raises(PrefectHTTPStatusError) as refused:
        deployed.server.submit(BACKUP, {"repo": ""})
    assert refused.value.response.status_code == 409
    assert "repo" in refused.value.response.text
    assert len(deployed.server.flow_runs()) == runs_before
    assert signed_in.admin.stats() == {}


def test_members_sync_applies_only_the_reviewed_plan(deployed: Deployed, signed_in: EmulatorHandle):
    sync = "sync-members/members-sync"
    state, plan_run = deployed.server.run(sync)
    assert state == "Completed", deployed.server.logs(plan_run)
    checksum = re.search(
        r"(sha256:[0-9a-f]{64})", markdown(deployed, "dify-members-plan", plan_run)
    )
    assert checksum

    state, wrong = deployed.server.run(sync, {"apply": True, "plan_checksum": "sha256:" + "0" * 64})
    assert state == "Failed"
    assert "does not match any plan" in (deployed.server.flow_run(wrong).state.message or "")
    assert not deployed.server.artifacts("dify-members-apply", flow_run_id=wrong)

    state, applied = deployed.server.run(sync, {"apply": True, "plan_checksum": checksum[1]})
    assert state == "Completed", deployed.server.logs(applied)
    assert "hedy@acme.example" in markdown(deployed, "dify-members-apply", applied)
    assert "hedy@acme.example" in {a["email"] for a in signed_in.admin.accounts()}


def test_the_drift_check_fails_when_prod_drifted_from_its_backup(
    deployed: Deployed, signed_in: EmulatorHandle, tmp_path: Path
):
    repo = tmp_path / "desired"
    state, run_id = deployed.server.run(BACKUP, {"repo": str(repo), "push": False})
    assert state == "Completed", deployed.server.logs(run_id)
    [prod_dir] = [p for p in repo.glob("*/acme-prod") if p.is_dir()]
    desired = {
        "kind": "git",
        "repo": str(repo),
        "ref": "main",
        "path": str(prod_dir.relative_to(repo)),
    }

    state, clean = deployed.server.run("drift-check/drift-check", {"desired": desired})
    assert state == "Completed", deployed.server.logs(clean)

    signed_in.admin.edit_app(PROD_HELPDESK, name="Policy Helpdesk (hotfix)")
    state, drifted = deployed.server.run("drift-check/drift-check", {"desired": desired})
    assert state == "Failed", deployed.server.logs(drifted)
    assert "drifted" in (deployed.server.flow_run(drifted).state.message or "")
    assert "Policy Helpdesk" in markdown(deployed, "dify-drift", drifted)


def test_a_fanned_out_backup_shares_its_workspaces_between_group_runs_and_commits_once(
    deployed: Deployed, signed_in: EmulatorHandle, tmp_path: Path
):
    remote = bare_remote(tmp_path)
    before = {r.id for r in deployed.server.flow_runs()}
    state, run_id = deployed.server.run(
        "backup-fanout/backup-fanout", {"repo": f"file://{remote}", "groups": 2, "push": True}
    )
    assert state == "Completed", deployed.server.logs(run_id)
    assert git(remote, "log", "--format=%s", "main").splitlines() == ["Backup: 10 added"]
    pushed = git(remote, "ls-tree", "-r", "--name-only", "main").split()
    assert len([f for f in pushed if not f.endswith(("_index.yml", ".published.yml"))]) == 10
    groups = [
        r
        for r in deployed.server.flow_runs()
        if r.id not in before and r.id != run_id and r.parameters.get("group")
    ]
    assert len(groups) == 2 and all(r.state.name == "Completed" for r in groups)
