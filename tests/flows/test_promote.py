"""Promotion between workspaces (issue 6): plan, apply, policies, verification, rollback."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest
import yaml

from flows._calling import JobFailed
from flows.backup import run_backup
from flows.promote import promote_flow, run_apply, run_plan
from jobs import BackupSettings, GitSide, Source, WorkspaceSide
from reconcile.errors import PlanError, StalePlanError
from reconcile.promotion.plan import Action
from reconcile.promotion.result import Outcome
from tests.flows.backup_support import sign_in
from tests.flows.promote_support import (
    DEV_BUDDY,
    DEV_HELPDESK,
    DEV_TRIAGE,
    PROD_HELPDESK,
    PROD_TRIAGE,
    SECRET_PREFIX,
    app_ids_by_name,
    change_dev,
    export,
    request,
)
from tests.support.emulator import DEMO, EmulatorHandle


@pytest.fixture(autouse=True)
def signed_in(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> str:
    return sign_in(emulator, monkeypatch)


def actions(plan) -> dict[str, Action]:  # type: ignore[no-untyped-def]
    return {app.name: app.action for app in plan.apps}


def outcomes(result) -> dict[str, Outcome]:  # type: ignore[no-untyped-def]
    return {app.name: app.outcome for app in result.apps}


def test_plan_says_create_update_unchanged(emulator: EmulatorHandle) -> None:
    plan = run_plan(request(modes=["workflow", "advanced-chat"]))
    assert actions(plan) == {
        "Policy Helpdesk": Action.UPDATE,
        "Release Notes Digest": Action.CREATE,
        "Support Ticket Triage": Action.UNCHANGED,
    }
    helpdesk = next(a for a in plan.apps if a.name == "Policy Helpdesk")
    assert helpdesk.diff_text and "Remember topic" in helpdesk.diff_text
    assert any("knowledge base" in item for item in helpdesk.attention)
    assert plan.checksum.startswith("sha256:") and plan.has_changes


def test_apply_creates_updates_verifies_and_a_second_apply_is_a_no_op(
    emulator: EmulatorHandle,
) -> None:
    req = request(modes=["workflow", "advanced-chat"])
    plan, result = run_apply(req)
    assert result.ok, result
    assert outcomes(result) == {
        "Policy Helpdesk": Outcome.APPLIED,
        "Release Notes Digest": Outcome.APPLIED,
        "Support Ticket Triage": Outcome.UNCHANGED,
    }
    helpdesk = next(a for a in result.apps if a.name == "Policy Helpdesk")
    assert helpdesk.leaked_plugins == ["langgenius/cohere"]  # Prod lacks it
    assert helpdesk.app_id == PROD_HELPDESK  # updated in place: same id, same API key
    names = app_ids_by_name(emulator, DEMO.ACME_PROD)
    assert len(names["Release Notes Digest"]) == 1
    again = run_plan(req)
    assert not again.has_changes
    emulator.admin.reset_stats()
    _, rerun = run_apply(req, plan.checksum)
    assert rerun.nothing_to_do
    assert not any(k.startswith("POST") for k in emulator.admin.stats())


def test_stale_plan_is_refused(emulator: EmulatorHandle) -> None:
    req = request("Policy Helpdesk")
    plan = run_plan(req)
    change_dev(emulator, DEV_HELPDESK, "Changed after review")
    with pytest.raises(StalePlanError) as refused:
        run_apply(req, plan.checksum)
    assert refused.value.message.startswith(
        "the plan is stale: the source or target apps changed since it was made (checksum "
        f"{plan.checksum[:19]}… is now "
    )
    assert "Changed after review" not in export(emulator, PROD_HELPDESK)


def test_secrets_the_target_holds_are_kept(emulator: EmulatorHandle) -> None:
    change_dev(emulator, DEV_TRIAGE, "Classify the ticket (v2)")
    before = yaml.safe_load(export(emulator, PROD_TRIAGE, include_secret=True))
    secret = _env_value(before, "TICKETING_API_KEY")
    assert secret.startswith(SECRET_PREFIX)
    _, result = run_apply(request("Support Ticket Triage"))
    assert outcomes(result) == {"Support Ticket Triage": Outcome.APPLIED}
    after = yaml.safe_load(export(emulator, PROD_TRIAGE, include_secret=True))
    assert _env_value(after, "TICKETING_API_KEY") == secret
    assert "Classify the ticket (v2)" in export(emulator, PROD_TRIAGE)


def test_create_lists_missing_secrets_as_follow_ups(emulator: EmulatorHandle) -> None:
    emulator.admin.create_workspace("Acme Staging", "ada@acme.example")
    _, result = run_apply(request("Support Ticket Triage", target="Acme Staging"))
    triage = result.apps[0]
    assert triage.outcome == Outcome.APPLIED
    assert triage.follow_ups == ["set secret environment variable TICKETING_API_KEY in the target"]


def test_chat_apps_are_blocked_unless_recreated(emulator: EmulatorHandle) -> None:
    buddy = export(emulator, DEV_BUDDY)
    with emulator.client(emulator.admin.token()) as http:
        http.post(
            f"/workspaces/{DEMO.ACME_PROD}/apps/imports",
            json={"mode": "yaml-content", "yaml_content": buddy},
        ).raise_for_status()
    data = yaml.safe_load(buddy)
    data["model_config"]["pre_prompt"] = "You are the new, friendlier onboarding buddy."
    emulator.admin.edit_app(DEV_BUDDY, yaml=yaml.safe_dump(data, allow_unicode=True))
    blocked = run_plan(request("Onboarding Buddy"))
    assert actions(blocked) == {"Onboarding Buddy": Action.BLOCKED}
    assert "the recreate option" in (blocked.apps[0].reason or "")
    _, result = run_apply(request("Onboarding Buddy"))
    assert outcomes(result) == {"Onboarding Buddy": Outcome.BLOCKED}
    _, recreated = run_apply(request("Onboarding Buddy", recreate=True))
    assert outcomes(recreated) == {"Onboarding Buddy": Outcome.APPLIED}
    assert "retire the old app" in recreated.apps[0].message
    assert len(app_ids_by_name(emulator, DEMO.ACME_PROD)["Onboarding Buddy"]) == 2
    with pytest.raises(PlanError, match="several apps named"):
        run_plan(request("Onboarding Buddy"))


@pytest.mark.parametrize(
    ("server_version", "policy", "expected"),
    [
        ("0.5.0", "never", Outcome.PENDING),  # the DSL (0.6.0) is newer: pending
        ("0.5.0", "minor", Outcome.APPLIED),  # same major version: confirmed
        ("0.5.0", "always", Outcome.APPLIED),
        ("1.0.0", "minor", Outcome.PENDING),  # a major version apart: not confirmed
        ("1.0.0", "always", Outcome.APPLIED),
        ("0.7.0", "never", Outcome.APPLIED),  # older minor: completed with warnings
    ],
)
def test_pending_imports_follow_the_policy(
    emulator: EmulatorHandle, tmp_path: Path, server_version: str, policy: str, expected: Outcome
) -> None:
    # A backup taken at DSL 0.6.0 is imported after the server moved to another version.
    change_dev(emulator, DEV_HELPDESK, f"Answer ({server_version}, {policy})")
    repo = tmp_path / "backup"
    run_backup(BackupSettings(repo=str(repo), rate_limit=None), [Source(workspaces=["Acme Dev"])])
    emulator.admin.settings(dsl_version=server_version)
    req = request("Policy Helpdesk", source=GitSide(repo=str(repo)), confirm_pending=policy)
    _, result = run_apply(req)
    helpdesk = result.apps[0]
    assert helpdesk.outcome == expected, helpdesk.message
    target = export(emulator, PROD_HELPDESK)
    if expected == Outcome.PENDING:
        assert "waiting for a decision" in helpdesk.message
        assert f"Answer ({server_version}" not in target
    else:
        assert f"Answer ({server_version}, {policy})" in target


def test_a_verification_mismatch_rolls_back_to_the_exact_previous_dsl_and_secrets(
    emulator: EmulatorHandle,
) -> None:
    change_dev(emulator, DEV_TRIAGE, "Tampered on the way")
    before = export(emulator, PROD_TRIAGE, include_secret=True)
    emulator.admin.fault("tamper_import", times=1)
    _, result = run_apply(request("Support Ticket Triage"))
    triage = result.apps[0]
    assert triage.outcome == Outcome.ROLLED_BACK, triage.message
    assert "verification failed" in triage.message and "rolled back" in triage.message
    assert export(emulator, PROD_TRIAGE, include_secret=True) == before
    assert not result.ok


def test_a_tampered_rollback_is_reported_as_a_failed_rollback(emulator: EmulatorHandle) -> None:
    change_dev(emulator, DEV_TRIAGE, "Tampered on the way")
    emulator.admin.fault("tamper_import", times=2)  # the import, then the rollback
    _, result = run_apply(request("Support Ticket Triage"))
    triage = result.apps[0]
    assert triage.outcome == Outcome.ROLLBACK_FAILED, triage.message
    assert "rolled back to" not in triage.message
    assert "differs from its pre-promotion snapshot" in triage.message
    assert "restore Support Ticket Triage from the backup" in triage.message
    assert not result.ok and "1 rollback failed" in result.summary()


def test_failed_import_is_reported_with_difys_error(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    repo = tmp_path / "backup"
    run_backup(BackupSettings(repo=str(repo), rate_limit=None), [Source(workspaces=["Acme Dev"])])
    path = next(repo.glob("*/acme-dev/release-notes-digest.yml"))
    data = yaml.safe_load(path.read_text())
    del data["workflow"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    subprocess.run(["git", "-C", str(repo), "commit", "-qam", "break it"], check=True)
    source = GitSide(repo=str(repo), ref="HEAD", path=str(path.parent.relative_to(repo)))
    _, result = run_apply(request("Release Notes Digest", source=source))
    digest = result.apps[0]
    if emulator.generation == "s3":  # the target's DSL check refuses it at plan time
        assert digest.outcome == Outcome.BLOCKED
        assert "graph_invalid at nodes: graph.nodes must be a list" in digest.message
        return
    assert digest.outcome == Outcome.FAILED
    assert digest.message.startswith("Dify refused the import: Missing workflow")


def test_promote_from_a_git_ref_of_the_backup(emulator: EmulatorHandle, tmp_path: Path) -> None:
    repo = tmp_path / "backup"
    settings = BackupSettings(repo=str(repo), rate_limit=None)
    run_backup(settings, [Source(workspaces=["Acme Dev"])])
    first = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    change_dev(emulator, DEV_HELPDESK, "Later edit")
    run_backup(settings, [Source(workspaces=["Acme Dev"])])
    source = GitSide(repo=str(repo), ref=first)
    plan, result = run_apply(request("Policy Helpdesk", source=source))
    assert plan.source.kind == "git" and plan.source.commit == first
    assert result.ok
    prod = export(emulator, PROD_HELPDESK)
    assert "Remember topic" in prod and "Later edit" not in prod


def test_mapping_and_duplicate_refusal(emulator: EmulatorHandle) -> None:
    plan = run_plan(request("Support Ticket Triage", mapping={"Support Ticket Triage": "Triage"}))
    assert plan.apps[0].action == Action.CREATE and plan.apps[0].target_name == "Triage"
    with pytest.raises(PlanError, match="not selected or do not exist"):
        run_plan(request("Support Ticket Triage", mapping={"Nope": "X"}))


def test_cross_host_promotion(emulator_factory, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import SecretStr

    from dify_client.profiles import CredentialStore, Profile, ProfileStore

    dev, prod = emulator_factory(), emulator_factory()
    for name, host in (("dev", dev), ("prod", prod)):
        storage = CredentialStore().save(
            host.base_url, "ada@acme.example", SecretStr(host.admin.token())
        )
        ProfileStore().upsert(
            name,
            Profile(host=host.base_url, email="ada@acme.example", token_storage=storage),
            make_default=False,
        )
    monkeypatch.delenv("DIFY_TOKEN")
    monkeypatch.delenv("DIFY_SERVER")
    change_dev(dev, DEV_HELPDESK, "Cross-host edit")
    req = request("Policy Helpdesk")
    req = req.model_copy(
        update={
            "source": WorkspaceSide(workspace="Acme Dev", profile="dev"),
            "target": WorkspaceSide(workspace="Acme Prod", profile="prod"),
        }
    )
    plan, result = run_apply(req)
    assert plan.source.host != plan.target.host
    assert result.ok
    assert "Cross-host edit" in export(prod, PROD_HELPDESK)
    assert "Cross-host edit" not in export(dev, PROD_HELPDESK)


def test_no_secret_value_in_any_output(
    emulator: EmulatorHandle, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from difyops.main import app

    change_dev(emulator, DEV_TRIAGE, "Secret-free output")
    runner = CliRunner()
    plan_file = tmp_path / "plan.json"
    # One process runs all three: unpaced, they do not wait on one shared request budget.
    unpaced = ["--rate-limit", "100000"]
    plan = ["promote", "plan", "--from", "Acme Dev", "--to", "Acme Prod", *unpaced]
    outputs = [
        runner.invoke(
            app,
            [*plan, "--out", str(plan_file)],
        ),
        runner.invoke(app, [*plan, "--json"]),
        runner.invoke(app, ["promote", "apply", "--plan", str(plan_file), *unpaced, "--json"]),
    ]
    texts = [o.stdout + o.stderr for o in outputs] + [plan_file.read_text(), caplog.text]
    assert all(o.exit_code == 0 for o in outputs), [o.output for o in outputs]
    assert json.loads(outputs[2].stdout)["result"]["apps"]
    for text in texts:
        assert SECRET_PREFIX not in text


def test_the_flow_publishes_the_plan_before_applying(
    prefect_harness, emulator: EmulatorHandle
) -> None:
    from prefect.client.orchestration import get_client

    change_dev(emulator, DEV_HELPDESK, "Through Prefect")
    source = WorkspaceSide(workspace="Acme Dev")
    target = WorkspaceSide(workspace="Acme Prod")
    dry = asyncio.run(promote_flow(source=source, target=target, rate_limit=None))
    assert dry["applied"] is False
    assert "Through Prefect" not in export(emulator, PROD_HELPDESK)
    with get_client(sync_client=True) as client:
        artifacts = {a.key: a for a in client.read_latest_artifacts()}
    plan_md = str(artifacts["dify-promotion-plan"].data)
    assert "Policy Helpdesk" in plan_md and SECRET_PREFIX not in plan_md
    checksum = dry["plan"]["checksum"]  # type: ignore[index]
    done = asyncio.run(
        promote_flow(
            source=source, target=target, rate_limit=None, confirm=True, plan_checksum=checksum
        )
    )
    assert "result" in done
    assert "Through Prefect" in export(emulator, PROD_HELPDESK)


def _env_value(data: dict, name: str) -> str:
    return next(v["value"] for v in data["workflow"]["environment_variables"] if v["name"] == name)


def test_the_flow_tells_a_stale_checksum_from_one_of_no_plan(
    prefect_harness, emulator: EmulatorHandle
) -> None:
    change_dev(emulator, DEV_HELPDESK, "Reviewed in Prefect")
    source = WorkspaceSide(workspace="Acme Dev")
    target = WorkspaceSide(workspace="Acme Prod")
    reviewed = asyncio.run(promote_flow(source=source, target=target, rate_limit=None))
    checksum = reviewed["plan"]["checksum"]  # type: ignore[index]
    made_up = "sha256:" + "fedcba9876543210" * 4
    with pytest.raises(JobFailed) as unknown:
        asyncio.run(
            promote_flow(
                source=source, target=target, rate_limit=None, confirm=True, plan_checksum=made_up
            )
        )
    assert str(unknown.value).split("\n")[0] == (
        "plan_checksum sha256:fedcba987654… does not match any plan made for these inputs; "
        "copy the checksum from the latest dify-promotion-plan artifact"
    )
    change_dev(emulator, DEV_HELPDESK, "Changed after the review")
    with pytest.raises(JobFailed) as stale:
        asyncio.run(
            promote_flow(
                source=source, target=target, rate_limit=None, confirm=True, plan_checksum=checksum
            )
        )
    message = str(stale.value).split("\n")[0]
    assert message.startswith(
        "the plan is stale: the source or target apps changed since it was made at "
    )
    assert f" UTC (checksum {checksum[:19]}… is now " in message
    assert "Reviewed in Prefect" not in export(emulator, PROD_HELPDESK)
