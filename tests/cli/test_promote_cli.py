"""`difyops promote plan|apply` and `difyops restore` through the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from dify_client import DifyClient
from tests.flows.promote_support import DEV_HELPDESK, PROD_HELPDESK, change_dev, export
from tests.support.emulator import EmulatorHandle
from tests.support.steps import without_steps

FROM_TO = ("--from", "Acme Dev", "--to", "Acme Prod")


def test_plan_detailed_exitcode_and_apply_from_a_plan_file(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    plan_path = tmp_path / "plan.json"
    planned = invoke(
        "promote",
        "plan",
        *FROM_TO,
        "--app",
        "Policy*",
        "--out",
        str(plan_path),
        "--detailed-exitcode",
    )
    assert planned.exit_code == 2, planned.output
    assert "~  Policy Helpdesk" in planned.stdout
    assert '"Remember topic" (assigner)' in planned.stdout  # the per-node diff
    saved = json.loads(plan_path.read_text())
    assert saved["kind"] == "promotion" and saved["request"]["selection"]["apps"] == ["Policy*"]
    applied = invoke("promote", "apply", "--plan", str(plan_path))
    assert applied.exit_code == 0, applied.output
    assert "applied" in applied.stdout
    again = invoke("promote", "plan", *FROM_TO, "--app", "Policy*", "--detailed-exitcode")
    assert again.exit_code == 0
    noop = invoke("promote", "apply", "--plan", str(plan_path))
    assert noop.exit_code == 0 and "already applied" in noop.stderr


def test_stale_plan_file_is_refused(invoke, signed_in, emulator: EmulatorHandle, tmp_path) -> None:
    plan_path = tmp_path / "plan.json"
    invoke("promote", "plan", *FROM_TO, "--app", "Policy Helpdesk", "--out", str(plan_path))
    change_dev(emulator, DEV_HELPDESK, "Edited after the review")
    result = invoke("promote", "apply", "--plan", str(plan_path))
    assert result.exit_code == 1
    assert without_steps(result.stderr).startswith(
        "error: the plan is stale: the source or target apps changed since it was made"
    )
    assert "hint: Plan again, review the new plan" in result.stderr  # says what to do


def test_manifest_errors_point_at_the_line(invoke, signed_in, tmp_path: Path) -> None:
    manifest = tmp_path / "difyops.yml"
    manifest.write_text(
        "version: 1\n"
        "promotion:\n"
        "  source: {workspace: Acme Dev}\n"
        "  target: {workspace: Acme Prod}\n"
        "  confirm_pending: sometimes\n"
        "  modez: [workflow]\n"
    )
    result = invoke("promote", "plan", "--manifest", str(manifest))
    assert result.exit_code == 1
    assert f"{manifest}:5:3: promotion.confirm_pending: Input should be" in result.stderr
    assert f"{manifest}:6:3: promotion.modez: unknown key" in result.stderr


def test_manifest_section_drives_the_plan(invoke, signed_in, tmp_path: Path) -> None:
    manifest = tmp_path / "difyops.yml"
    manifest.write_text(
        "version: 1\n"
        "promotion:\n"
        "  source: {workspace: Acme Dev}\n"
        "  target: {workspace: Acme Prod}\n"
        "  apps: [Policy Helpdesk]\n"
    )
    result = invoke("promote", "plan", "--manifest", str(manifest), "--json")
    assert result.exit_code == 0, result.output
    assert [a["name"] for a in json.loads(result.stdout)["apps"]] == ["Policy Helpdesk"]


def test_restore_a_past_version_from_the_backup(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    repo = tmp_path / "backup"
    assert invoke("backup", "run", "--repo", str(repo), "-w", "Acme Prod").exit_code == 0
    first = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    before = export(emulator, PROD_HELPDESK)
    promoted = invoke("promote", "apply", "--auto-approve", *FROM_TO, "--app", "Policy Helpdesk")
    assert promoted.exit_code == 0, promoted.output
    assert export(emulator, PROD_HELPDESK) != before
    shown = invoke(
        "restore", "Policy Helpdesk", "--to", "Acme Prod", "--at", first, "--repo", str(repo)
    )
    assert shown.exit_code == 0 and "update" in shown.stdout and "--apply" in shown.stderr
    restored = invoke(
        "restore",
        "Policy Helpdesk",
        "--to",
        "Acme Prod",
        "--at",
        first,
        "--repo",
        str(repo),
        "--apply",
    )
    assert restored.exit_code == 0, restored.output
    assert "Remember topic" not in export(emulator, PROD_HELPDESK)
    # Where the server can publish, the restored version goes live too.
    published = emulator.route("publish.console_app") if emulator.generation == "s3" else None
    assert emulator.admin.stats().get(published or "", 0) == (1 if published else 0)
    unknown = invoke("restore", "Nope", "--to", "Acme Prod", "--at", first, "--repo", str(repo))
    assert unknown.exit_code == 2 and "no app named 'Nope'" in unknown.stderr


def test_a_reviewed_plan_keeps_its_policies_and_refuses_new_options(
    invoke, signed_in, tmp_path: Path
) -> None:
    plan_path = tmp_path / "plan.json"
    made = invoke(
        "promote",
        "plan",
        *FROM_TO,
        "--app",
        "Policy Helpdesk",
        "--confirm-pending",
        "minor",
        "--out",
        str(plan_path),
    )
    assert made.exit_code == 0, made.output
    assert json.loads(plan_path.read_text())["options"]["confirm_pending"] == "minor"
    mixed = invoke("promote", "apply", "--plan", str(plan_path), "--confirm-pending", "always")
    assert mixed.exit_code == 2
    assert "cannot be combined with --confirm-pending" in mixed.stderr
    plan_path.write_text(json.dumps({"kind": "promotion", "request": {"source": 3}}))
    broken = invoke("promote", "apply", "--plan", str(plan_path))
    assert broken.exit_code == 2 and "does not hold a promotion request" in broken.stderr


def test_usage_errors_under_detailed_exitcode_are_errors_not_changes(invoke, signed_in) -> None:
    typo = invoke("promote", "plan", *FROM_TO, "--detailed-exitcode", "--mapp", "x=y")
    assert typo.exit_code == 1
    bad_map = invoke("promote", "plan", *FROM_TO, "--detailed-exitcode", "--map", "nonsense")
    assert bad_map.exit_code == 1 and "SOURCE=TARGET" in bad_map.stderr


@pytest.mark.generations("s3")
def test_a_publish_whose_answer_was_lost_is_read_back_as_published_not_rolled_back(
    invoke, signed_in, emulator: EmulatorHandle
) -> None:
    """Issue 14 (faults): the server published, then the connection dropped."""
    route = emulator.route("publish.console_app")
    emulator.admin.fault("drop_after_write", route=route, times=1)
    applied = invoke(
        "promote",
        "apply",
        "--auto-approve",
        *FROM_TO,
        "--app",
        "Policy Helpdesk",
        "--publish",
        "always",
        "--json",
    )
    assert applied.exit_code == 0, applied.output
    result = json.loads(applied.stdout)["result"]
    (app,) = [a for a in result["apps"] if a["name"] == "Policy Helpdesk"]
    assert app["outcome"] == "applied" and app["published_version"]
    assert any("the publish got no answer" in line for line in app["attention"])
    with DifyClient(emulator.base_url, emulator.admin.token()) as dify:
        assert dify.releases.live_version(PROD_HELPDESK) == app["published_version"]
    assert "Remember topic" in export(emulator, PROD_HELPDESK)  # the draft was kept too
    assert emulator.admin.stats()[route] == 1  # published once, never again


@pytest.mark.generations("s3")
def test_a_new_app_whose_publish_failed_is_published_by_the_next_apply(
    invoke, signed_in, emulator: EmulatorHandle
) -> None:
    """Issue 14 (faults): the new app stays (it cannot be deleted) as a draft; the next
    apply under `always` must still make it live, not call it unchanged."""
    promote = ("promote", "apply", "--auto-approve", *FROM_TO, "--app", "Release Notes Digest")
    emulator.admin.fault("server_error", route=emulator.route("publish.console_app"), times=1)
    failed = invoke(*promote, "--publish", "always", "--json")
    assert failed.exit_code == 1
    (app,) = json.loads(failed.stdout)["result"]["apps"]
    assert app["outcome"] == "failed" and "publishing failed" in app["message"]
    planned = invoke(
        "promote", "plan", *FROM_TO, "--app", "Release Notes Digest", "--publish", "always"
    )
    assert "~  Release Notes Digest" in planned.stdout and "never published" in planned.stdout
    again = invoke(*promote, "--publish", "always", "--json")
    assert again.exit_code == 0, again.output
    (app,) = json.loads(again.stdout)["result"]["apps"]
    assert app["outcome"] == "applied" and app["published_version"]
    assert "never published" in app["message"]
    with DifyClient(emulator.base_url, emulator.admin.token()) as dify:
        assert dify.releases.live_version(app["app_id"]) == app["published_version"]
    done = invoke(*promote, "--publish", "always", "--json")
    (app,) = json.loads(done.stdout)["result"]["apps"]
    assert done.exit_code == 0 and app["outcome"] == "unchanged"
