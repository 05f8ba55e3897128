"""Profiles in every command (issue 15): a misspelt `-p` is a usage error (exit 2) with a
"did you mean" and the list of profiles; a refused token of a job's profile (backup,
promote, members) names that profile in the hint, as the plain commands do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_auth_profiles_cli import ADA, GRACE, add_profile
from tests.cli.test_members_cli import ACME_DEV, manifest_text
from tests.cli.test_unknown_workspace_cli import COMMANDS as WORKSPACE_COMMANDS
from tests.cli.test_unknown_workspace_cli import _args as workspace_args
from tests.support.emulator import EmulatorHandle

FROM_TO = ("--from", "Acme Dev", "--to", "Acme Prod")


def commands(tmp_path: Path, profile: str) -> dict[str, list[str]]:
    manifest = tmp_path / "members.yml"
    manifest.write_text(manifest_text(ACME_DEV), encoding="utf-8")
    repo = str(tmp_path / "backups")
    return {
        "apps list": ["apps", "list", "-p", profile],
        "backup run": ["backup", "run", "--repo", repo, "-p", profile],
        "promote plan": ["promote", "plan", *FROM_TO, "--to-profile", profile],
        "members plan": ["members", "plan", "-f", str(manifest), "-p", profile],
        "auth status": ["auth", "status", "-p", profile],
    }


NAMES = ["apps list", "backup run", "promote plan", "members plan", "auth status"]


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_profile_is_a_usage_error_with_did_you_mean(
    name: str, invoke, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    add_profile("default", emulator.base_url, emulator.admin.token(ADA), default=True)
    add_profile("staging", emulator.base_url, emulator.admin.token(GRACE), email=GRACE)
    result = invoke(*commands(tmp_path, "stagin")[name])
    assert result.exit_code == 2, result.output
    assert "no profile named 'stagin'" in result.stderr
    assert "Did you mean 'staging'?" in result.stderr
    assert "default, staging" in result.stderr  # the profiles there are
    as_json = invoke(*commands(tmp_path, "stagin")[name], "--json")
    assert as_json.exit_code == 2
    error = json.loads(as_json.stderr.strip().splitlines()[-1])["error"]
    assert error["code"] == "usage"
    assert "Did you mean 'staging'?" in error["hint"]


def test_an_unknown_profile_among_several_sources_backs_up_nothing(
    invoke, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    add_profile("default", emulator.base_url, emulator.admin.token(ADA), default=True)
    repo = tmp_path / "backups"
    result = invoke("backup", "run", "--repo", str(repo), "-p", "default", "-p", "defualt")
    assert result.exit_code == 2, result.output
    assert "Did you mean 'default'?" in result.stderr


JOBS = {
    "backup run": lambda tmp, repo: ["backup", "run", "--repo", repo, "-p", "other"],
    "promote plan": lambda tmp, repo: ["promote", "plan", *FROM_TO, "--to-profile", "other"],
    "promote apply": lambda tmp, repo: [
        "promote",
        "apply",
        *FROM_TO,
        "--to-profile",
        "other",
        "--auto-approve",
    ],
    "members plan": lambda tmp, repo: ["members", "plan", "-f", tmp, "-p", "other"],
    "members apply": lambda tmp, repo: [
        "members",
        "apply",
        "-f",
        tmp,
        "-p",
        "other",
        "--auto-approve",
    ],
}


@pytest.mark.parametrize("name", list(JOBS))
def test_a_job_whose_profile_token_is_revoked_names_the_profile(
    name: str, invoke, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    add_profile("default", emulator.base_url, emulator.admin.token(ADA), default=True)
    minted = emulator.admin.mint(GRACE)
    add_profile("other", emulator.base_url, minted["token"], email=GRACE)
    revoke = invoke("sessions", "revoke", minted["token_id"], "-p", "other")
    assert revoke.exit_code == 0, revoke.output
    manifest = tmp_path / "members.yml"
    manifest.write_text(manifest_text(ACME_DEV), encoding="utf-8")
    args = JOBS[name](str(manifest), str(tmp_path / "backups"))
    result = invoke(*args)
    assert result.exit_code == 4, result.output
    assert "profile 'other'" in result.stderr
    assert "revoked" in result.stderr
    assert "`difyops auth login -p other`" in result.stderr
    assert minted["token"] not in result.output
    as_json = invoke(*args, "--json")
    assert as_json.exit_code == 4
    error = json.loads(as_json.stderr.strip().splitlines()[-1])["error"]
    assert error["profile"] == "other"
    assert "difyops auth login -p other" in error["hint"]
    assert minted["token"] not in as_json.output


# Every command that takes a workspace takes a profile too: swept with the commands of
# the unknown-workspace sweep (a real workspace, a misspelt profile).
SWEPT = {name: ("-p",) for name in WORKSPACE_COMMANDS if not name.startswith("promote")}
SWEPT |= {"promote": ("--to-profile",), "promote from": ("--from-profile",)}
SWEPT.pop("restore")  # restores from the backup repository's git, which this test lacks


@pytest.mark.parametrize("command", sorted(SWEPT))
def test_an_unknown_profile_is_a_usage_error_in_every_command(
    command: str, invoke, emulator: EmulatorHandle, tmp_path: Path
) -> None:
    add_profile("staging", emulator.base_url, emulator.admin.token(ADA), default=True)
    args = [*workspace_args(command, "Acme Dev", str(tmp_path / "repo")), *SWEPT[command]]
    result = invoke(*args, "stagin")
    # drift exits 2 for "drift found": a usage error reads as an error there (exit 1).
    assert result.exit_code == (1 if command == "drift" else 2), result.output
    assert "Did you mean 'staging'?" in result.stderr


def test_auth_use_of_a_misspelt_profile_suggests_the_near_one(
    invoke, emulator: EmulatorHandle
) -> None:
    add_profile("staging", emulator.base_url, emulator.admin.token(ADA), default=True)
    result = invoke("auth", "use", "stagin")
    assert result.exit_code == 2
    assert "Did you mean 'staging'?" in result.stderr
