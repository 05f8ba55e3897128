"""A manifest that invites thousands is refused unless the run says so (`--max-invites`),
and a huge plan prints a bounded table: its first rows and a count of the rest."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flows.wording import prefect_setting
from reconcile.errors import Override, Setting
from tests.cli.test_members_cli import ACME_DEV, flat, manifest_text
from tests.support.emulator import EmulatorHandle

NEW = 2000


def _manifest(tmp_path: Path) -> str:
    members = [*ACME_DEV, *((f"new{n:04d}@acme.example", "normal") for n in range(NEW))]
    path = tmp_path / "big.yml"
    path.write_text(manifest_text(members), encoding="utf-8")
    return str(path)


def test_more_invites_than_a_run_may_send_are_refused(invoke, signed_in, tmp_path) -> None:
    refused = invoke("members", "plan", "-f", _manifest(tmp_path))
    assert refused.exit_code == 3, refused.output
    said = flat(refused.stderr)
    assert f"the plan invites {NEW} people, more than the 500 one run may invite" in said
    assert f"--max-invites {NEW}" in said


def test_with_the_override_it_plans_and_prints_a_bounded_table(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path
) -> None:
    out = tmp_path / "plan.json"
    planned = invoke(
        "members", "plan", "-f", _manifest(tmp_path), "--max-invites", str(NEW), "--out", str(out)
    )
    assert planned.exit_code == 0, planned.output
    lines = planned.stdout.splitlines()
    assert len(lines) < 300
    assert sum(1 for line in lines if line.startswith("invite ")) == 200
    assert f"Plan: {NEW} to invite" in flat(planned.stdout)
    left_out = re.search(
        r"… and (\d+) more \(--out FILE or --json lists them all\)", planned.stdout
    )
    assert left_out and int(left_out[1]) >= NEW - 200
    # The plan file holds every invite all the same.
    (plan,) = json.loads(out.read_text())["plans"]
    assert sum(1 for item in plan["items"] if item["action"] == "invite") == NEW


def test_the_flow_spelling_of_the_override() -> None:
    assert prefect_setting(Setting(Override.MAX_INVITES, "2000")) == (
        "the flow parameter max_invites=2000"
    )
