"""A promotion plan file is bound to its checksum (issue 14.6): a hand-edited plan body or
an unknown format version is refused with one line and a hint, and nothing is imported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.flows.promote_support import PROD_HELPDESK, export
from tests.support.emulator import EmulatorHandle

FROM_TO = ("--from", "Acme Dev", "--to", "Acme Prod")


def _planned(invoke: Any, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    plan_path = tmp_path / "plan.json"
    made = invoke("promote", "plan", *FROM_TO, "--app", "Policy Helpdesk", "--out", str(plan_path))
    assert made.exit_code == 0, made.output
    return plan_path, json.loads(plan_path.read_text())


def _edit_action(data: dict[str, Any]) -> None:
    data["apps"][0]["action"] = "recreate"


def _edit_option(data: dict[str, Any]) -> None:
    data["options"]["confirm_pending"] = "always"


def _edit_diff(data: dict[str, Any]) -> None:
    data["apps"][0]["summary"] = "nothing to see here"


def _unknown_field(data: dict[str, Any]) -> None:
    data["apps"][0]["force"] = True


@pytest.mark.parametrize("edit", [_edit_action, _edit_option, _edit_diff, _unknown_field])
def test_an_edited_plan_body_with_its_old_checksum_is_refused(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path, edit: Any
) -> None:
    before = export(emulator, PROD_HELPDESK)
    plan_path, data = _planned(invoke, tmp_path)
    edit(data)  # the checksum is kept as it was
    plan_path.write_text(json.dumps(data))
    result = invoke("promote", "apply", "--plan", str(plan_path))
    assert result.exit_code != 0
    first, *rest = result.stderr.strip().splitlines()
    assert first == (
        f"error: {plan_path} was edited after it was written: its checksum does not match its plan"
    )
    assert rest and rest[0].startswith("hint: Make a new plan")
    assert export(emulator, PROD_HELPDESK) == before  # nothing was imported


def test_an_unknown_plan_version_is_refused(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    before = export(emulator, PROD_HELPDESK)
    plan_path, data = _planned(invoke, tmp_path)
    data["version"] = 99
    plan_path.write_text(json.dumps(data))
    result = invoke("promote", "apply", "--plan", str(plan_path))
    assert result.exit_code == 2
    first, *rest = result.stderr.strip().splitlines()
    assert first == (
        f"error: {plan_path} is a promotion plan of version 99; this difyops reads version 1 only"
    )
    assert rest and rest[0].startswith("hint: Make the plan again")
    assert export(emulator, PROD_HELPDESK) == before


def test_an_untouched_plan_file_still_applies(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    plan_path, _ = _planned(invoke, tmp_path)
    applied = invoke("promote", "apply", "--plan", str(plan_path))
    assert applied.exit_code == 0, applied.output
    assert "Remember topic" in export(emulator, PROD_HELPDESK)
