"""Drift watch (issue 13): the live workspace against a backup's git ref or a workspace."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from flows._calling import JobFailed
from flows.backup import run_backup
from flows.drift import ARTIFACT_KEY, drift_check_flow, run_drift
from jobs import BackupSettings, DriftRequest, GitSide, Source, WorkspaceSide
from reconcile.drift import DriftState
from tests.flows.backup_support import commits, sign_in
from tests.flows.promote_support import PROD_HELPDESK, PROD_TRIAGE, SECRET_PREFIX, change_dev
from tests.support.emulator import DEMO, EmulatorHandle

PROD = WorkspaceSide(workspace="Acme Prod")


@pytest.fixture(autouse=True)
def signed_in(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> str:
    return sign_in(emulator, monkeypatch)


@pytest.fixture
def backup(emulator: EmulatorHandle, tmp_path: Path) -> Path:
    """A backup of Prod, as the nightly deployment makes it."""
    repo = tmp_path / "backup"
    run_backup(BackupSettings(repo=str(repo), rate_limit=None), [Source(workspaces=["Acme Prod"])])
    return repo


def check(repo: Path, ref: str = "HEAD", **fields: object) -> DriftRequest:
    return DriftRequest(
        live=PROD, desired=GitSide(repo=str(repo), ref=ref), rate_limit=None, **fields
    )


def states(report) -> dict[str, DriftState]:  # type: ignore[no-untyped-def]
    return {app.name: app.state for app in report.drifted}


def writes(emulator: EmulatorHandle) -> list[str]:
    return [k for k in emulator.admin.stats() if not k.startswith("GET")]


def test_no_drift_right_after_a_backup(emulator: EmulatorHandle, backup: Path) -> None:
    emulator.admin.reset_stats()
    report = run_drift(check(backup))
    assert not report.has_drift, report.drifted
    assert report.in_sync and "Policy Helpdesk" in report.in_sync
    assert report.summary().startswith("no drift")
    assert writes(emulator) == []


def test_a_console_edit_is_changed_since_the_backup_commit(
    emulator: EmulatorHandle, backup: Path
) -> None:
    change_dev(emulator, PROD_HELPDESK, "Edited in the console")
    emulator.admin.reset_stats()
    report = run_drift(check(backup))
    assert states(report) == {"Policy Helpdesk": DriftState.CHANGED}
    helpdesk = report.drifted[0]
    assert helpdesk.what == "1 node changed"
    assert helpdesk.since is not None and helpdesk.since.commit == commits(backup)[0]
    assert helpdesk.diff_text and "Edited in the console" in helpdesk.diff_text
    assert writes(emulator) == []


def test_since_is_the_commit_that_last_touched_each_app_at_the_ref(
    emulator: EmulatorHandle, backup: Path
) -> None:
    change_dev(emulator, PROD_HELPDESK, "Reviewed edit")
    run_backup(
        BackupSettings(repo=str(backup), rate_limit=None), [Source(workspaces=["Acme Prod"])]
    )
    second, first = commits(backup)
    change_dev(emulator, PROD_HELPDESK, "Unreviewed edit")
    change_dev(emulator, PROD_TRIAGE, "Unreviewed edit")
    report = run_drift(check(backup))
    since = {app.name: app.since.commit for app in report.drifted if app.since}
    assert since == {"Policy Helpdesk": second, "Support Ticket Triage": first}
    older = run_drift(check(backup, ref="HEAD~1"))
    assert {app.name: app.since.commit for app in older.drifted if app.since} == {
        "Policy Helpdesk": first,
        "Support Ticket Triage": first,
    }


def test_an_app_only_in_the_live_workspace_is_extra_and_app_narrows(
    emulator: EmulatorHandle, backup: Path
) -> None:
    emulator.admin.bulk(DEMO.ACME_PROD, apps=1)
    report = run_drift(check(backup))
    extra = [app for app in report.drifted if app.state is DriftState.EXTRA]
    assert len(extra) == 1 and extra[0].what == "not in the desired state"
    assert extra[0].since is None
    narrowed = run_drift(check(backup, apps=["Policy Helpdesk"]))
    assert not narrowed.has_drift and narrowed.in_sync == ["Policy Helpdesk"]


def test_a_workspace_as_desired_state_reports_missing_apps_since_their_update(
    emulator: EmulatorHandle,
) -> None:
    report = run_drift(
        DriftRequest(live=PROD, desired=WorkspaceSide(workspace="Acme Dev"), rate_limit=None)
    )
    found = states(report)
    assert found["Release Notes Digest"] is DriftState.MISSING
    assert found["Policy Helpdesk"] is DriftState.CHANGED
    digest = next(a for a in report.drifted if a.name == "Release Notes Digest")
    assert digest.since is not None and digest.since.date and digest.since.commit is None


def test_the_flow_fails_with_the_artifact_when_something_drifted(
    prefect_harness, emulator: EmulatorHandle, backup: Path
) -> None:
    from prefect.client.orchestration import get_client

    desired = GitSide(repo=str(backup))
    clean = asyncio.run(drift_check_flow(live=PROD, desired=desired, rate_limit=None))
    assert str(clean["summary"]).startswith("no drift")
    change_dev(emulator, PROD_HELPDESK, "Through Prefect")
    emulator.admin.reset_stats()
    with pytest.raises(JobFailed, match="drifted from its desired state: 1 changed") as failed:
        asyncio.run(drift_check_flow(live=PROD, desired=desired, rate_limit=None))
    assert "Policy Helpdesk" in failed.value.message and "\n" not in failed.value.message
    with get_client(sync_client=True) as client:
        artifacts = {a.key: a for a in client.read_latest_artifacts()}
    markdown = str(artifacts[ARTIFACT_KEY].data)
    assert "| Policy Helpdesk | changed |" in markdown
    assert commits(backup)[0][:12] in markdown and SECRET_PREFIX not in markdown
    assert writes(emulator) == []


def test_the_flow_state_is_failed(prefect_harness, emulator: EmulatorHandle, backup: Path) -> None:
    change_dev(emulator, PROD_HELPDESK, "Through Prefect")
    state = asyncio.run(
        drift_check_flow(
            live=PROD, desired=GitSide(repo=str(backup)), rate_limit=None, return_state=True
        )
    )
    assert state.is_failed()


@pytest.mark.parametrize(
    "bad", [{"rate_limit": 0}, {"concurrency": 0}, {"apps": [""]}], ids=["rate", "pool", "app"]
)
def test_the_flow_refuses_bad_parameters_before_reading_anything(
    prefect_harness, emulator: EmulatorHandle, tmp_path: Path, bad: dict[str, object]
) -> None:
    emulator.admin.reset_stats()
    state = asyncio.run(
        drift_check_flow(live=PROD, desired=GitSide(repo=str(tmp_path)), return_state=True, **bad)
    )
    assert state.is_failed()
    assert "invalid parameters" in str(state.message)
    assert emulator.admin.stats() == {}
