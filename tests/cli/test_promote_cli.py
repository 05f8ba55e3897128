"""`difyops promote plan|apply` and `difyops restore` through the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.flows.promote_support import DEV_HELPDESK, PROD_HELPDESK, change_dev, export
from tests.support.emulator import EmulatorHandle

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
    assert result.stderr.startswith(
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
