"""`difyops restore --apply` from a redacted backup keeps the target's secrets: the
backup's `<redacted>` stands for "the value the target has", never for a new value."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.flows.promote_support import PROD_TRIAGE, change_dev
from tests.support.emulator import EmulatorHandle

SECRET = "TICKETING_API_KEY"


def _secret(emulator: EmulatorHandle) -> str:
    data = yaml.safe_load(emulator.export(PROD_TRIAGE, include_secret=True))
    graph = data["workflow"]
    (variable,) = [v for v in graph.get("environment_variables", []) if v["name"] == SECRET]
    return str(variable["value"])


def _set_secret(emulator: EmulatorHandle, value: str) -> None:
    data = yaml.safe_load(emulator.export(PROD_TRIAGE, include_secret=True))
    for variable in data["workflow"].get("environment_variables", []):
        if variable["name"] == SECRET:
            variable["value"] = value
    emulator.admin.edit_app(PROD_TRIAGE, yaml=yaml.safe_dump(data, allow_unicode=True))


# The key as seeded, one with a space (no single token), and one never set.
@pytest.mark.parametrize("current", [None, "Bearer tk-demo 42", ""])
def test_restore_from_a_redacted_backup_keeps_the_targets_secret(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path, current: str | None
) -> None:
    repo = tmp_path / "backup"
    backed_up = invoke("backup", "run", "--repo", str(repo), "-w", "Acme Prod", "--include-secret")
    assert backed_up.exit_code == 0, backed_up.output
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    stored = subprocess.run(
        ["git", "-C", str(repo), "grep", "-h", "<redacted>", head],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "<redacted>" in stored  # the backup holds the placeholder, not the key
    if current is not None:
        _set_secret(emulator, current)
    before = _secret(emulator)
    assert before != "<redacted>"
    change_dev(emulator, PROD_TRIAGE, "Edited after the backup")  # so the restore imports
    restored = invoke(
        "restore",
        "Support Ticket Triage",
        "--to",
        "Acme Prod",
        "--at",
        head,
        "--repo",
        str(repo),
        "--apply",
    )
    assert restored.exit_code == 0, restored.output
    assert "<redacted>" not in emulator.export(PROD_TRIAGE, include_secret=True)
    assert _secret(emulator) == before
    assert "Edited after the backup" not in emulator.export(PROD_TRIAGE)
