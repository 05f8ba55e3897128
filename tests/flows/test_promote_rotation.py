"""Promotion against the emulator: a rotated credential is planned, shown and applied
(issue 14.4), and a value the backup redacted keeps the target's."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from dsl import load_text
from flows.backup import run_backup
from flows.promote import run_apply, run_plan
from jobs import BackupSettings, GitSide, Source
from reconcile.promotion.plan import Action
from reconcile.promotion.result import Outcome
from tests.flows.backup_support import sign_in
from tests.flows.promote_support import DEV_TRIAGE, PROD_TRIAGE, export, request
from tests.support.emulator import EmulatorHandle

OLD_KEY = "kP3vR8tW1yZ5nB7mQ2xCold"
NEW_KEY = "rT6yU2iO9pA4sD1fG7hJnew"


@pytest.fixture(autouse=True)
def signed_in(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> str:
    return sign_in(emulator, monkeypatch)


def set_key(emulator: EmulatorHandle, app_id: str, key: str, *, title: str | None = None) -> None:
    """Type an API key into the triage app's HTTP headers (and maybe retitle its LLM node)."""
    data = yaml.safe_load(export(emulator, app_id, include_secret=True))
    nodes = data["workflow"]["graph"]["nodes"]
    http = next(n for n in nodes if n["data"]["type"] == "http-request")
    http["data"]["headers"] = f"Content-Type:application/json\nX-Api-Key:{key}"
    if title is not None:
        next(n for n in nodes if n["data"]["type"] == "llm")["data"]["title"] = title
    emulator.admin.edit_app(app_id, yaml=yaml.safe_dump(data, allow_unicode=True))


def prod_headers(emulator: EmulatorHandle) -> str:
    data = load_text(export(emulator, PROD_TRIAGE, include_secret=True)).data
    nodes = data["workflow"]["graph"]["nodes"]
    return str(next(n for n in nodes if n["data"]["type"] == "http-request")["data"]["headers"])


def test_a_rotated_header_alone_is_planned_shown_and_applied(emulator: EmulatorHandle) -> None:
    set_key(emulator, PROD_TRIAGE, OLD_KEY)
    set_key(emulator, DEV_TRIAGE, NEW_KEY)
    plan = run_plan(request("Support Ticket Triage"))
    [triage] = plan.apps
    assert triage.action == Action.UPDATE
    assert triage.diff_text and "(secret value changed)" in triage.diff_text
    dumped = plan.model_dump_json()
    assert NEW_KEY not in dumped and OLD_KEY not in dumped
    _, result = run_apply(request("Support Ticket Triage"))
    assert result.apps[0].outcome == Outcome.APPLIED, result.apps[0].message
    assert NEW_KEY not in result.model_dump_json()
    assert prod_headers(emulator).endswith(f"X-Api-Key:{NEW_KEY}")
    assert run_plan(request("Support Ticket Triage")).apps[0].action == Action.UNCHANGED


def test_a_rotated_header_beside_another_edit_is_listed(emulator: EmulatorHandle) -> None:
    set_key(emulator, PROD_TRIAGE, OLD_KEY)
    set_key(emulator, DEV_TRIAGE, NEW_KEY, title="Classify v2")
    [triage] = run_plan(request("Support Ticket Triage")).apps
    assert triage.action == Action.UPDATE
    assert triage.diff_text and "Classify v2" in triage.diff_text
    assert "(secret value changed)" in triage.diff_text


def test_a_key_the_backup_redacted_keeps_the_targets(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    set_key(emulator, PROD_TRIAGE, OLD_KEY)
    set_key(emulator, DEV_TRIAGE, NEW_KEY)
    repo = tmp_path / "backup"
    run_backup(BackupSettings(repo=str(repo), rate_limit=None), [Source(workspaces=["Acme Dev"])])
    path = next(repo.glob("*/acme-dev/support-ticket-triage.yml"))
    assert NEW_KEY not in path.read_text()  # the backup redacted it
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    source = GitSide(repo=str(repo), ref=head, path=str(path.parent.relative_to(repo)))
    [triage] = run_plan(request("Support Ticket Triage", source=source)).apps
    assert triage.action == Action.UNCHANGED, triage.diff_text
