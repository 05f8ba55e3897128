"""Plan files and manifests that are not what they should be end in one line naming the
file and a hint, with a usage error (exit 2) for a file that is not a plan, and nothing
changed (issue 14, hostile input): a number Python refuses to read, absurd nesting, bytes
that are not UTF-8, a members plan of an unknown format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.emulator import EmulatorHandle

MEMBERS = (
    "version: 1\n"
    "workspaces:\n"
    "  - name: Acme Dev\n"
    "    members:\n"
    "      - {email: ada@acme.example, role: owner}\n"
    "      - {email: zed@acme.example, role: normal}\n"
)


def one_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("hint: "), stderr
    assert "bug" not in stderr and "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize("command", ["members", "promote"])
@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            b'{"kind": "x", "format": ' + b"9" * 5000 + b"}",
            ": the plan file holds a number too long to read",
        ),
        (b"[" * 10_000 + b"]" * 10_000, ": the plan file nests too deeply to be a plan"),
        (b'{\n  "kind": "caf\xe9"}', ":2:15: the plan file is not UTF-8 text"),
    ],
    ids=["5000-digit-number", "deep-nesting", "not-utf8"],
)
def test_a_plan_file_that_cannot_be_read_as_json_is_a_usage_error(
    invoke, signed_in, tmp_path: Path, command: str, content: bytes, says: str
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(content)
    result = invoke(command, "apply", "--plan", str(path))
    assert result.exit_code == 2
    assert one_error(result.stderr) == f"error: {path}{says}"


def test_a_members_plan_of_an_unknown_format_is_refused(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    manifest, plan = tmp_path / "members.yml", tmp_path / "plan.json"
    manifest.write_text(MEMBERS, encoding="utf-8")
    assert invoke("members", "plan", "-f", str(manifest), "--out", str(plan)).exit_code == 0
    data = json.loads(plan.read_text())
    data["format"] = 99
    plan.write_text(json.dumps(data))
    emulator.admin.reset_stats()
    result = invoke("members", "apply", "--plan", str(plan))
    assert result.exit_code == 2
    assert one_error(result.stderr) == (
        f"error: {plan} is a members plan of format 99; this difyops reads format 1 only"
    )
    assert not [route for route in emulator.admin.stats() if not route.startswith("GET ")]


def test_a_hand_edited_members_plan_names_the_file(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    manifest, plan = tmp_path / "members.yml", tmp_path / "plan.json"
    manifest.write_text(MEMBERS, encoding="utf-8")
    invoke("members", "plan", "-f", str(manifest), "--out", str(plan))
    plan.write_text(plan.read_text().replace('"desired_role": "normal"', '"desired_role": "admin"'))
    result = invoke("members", "apply", "--plan", str(plan))
    assert result.exit_code == 2
    assert one_error(result.stderr) == (
        f"error: {plan} was edited after it was written: its checksum does not match its plan"
    )


def test_a_promotion_manifest_that_is_not_utf8_is_located(
    invoke, signed_in, tmp_path: Path
) -> None:
    manifest = tmp_path / "difyops.yml"
    manifest.write_bytes(b"version: 1\npromotion:\n  # caf\xe9\n")
    result = invoke("promote", "plan", "--manifest", str(manifest))
    assert result.exit_code == 1
    assert one_error(result.stderr) == f"error: {manifest}:3:8: the file is not UTF-8 text"
