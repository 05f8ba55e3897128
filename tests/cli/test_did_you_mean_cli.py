"""A typo gets a "did you mean", and a name that differs only in case or spacing is taken
when one thing answers to it: workspaces, apps (live and in the backup), profiles, and
the keys of manifests."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from dify_client.profiles import CredentialStore
from dify_client.profiles._profiles import Profile, ProfileStore
from tests.cli.conftest import Invoke
from tests.flows.promote_support import PROD_HELPDESK, export
from tests.support.emulator import EmulatorHandle


def _said(result) -> str:
    return " ".join(result.stderr.split())


@pytest.mark.parametrize(
    "args",
    [
        ("apps", "list", "-w", "acme prod"),
        ("members", "list", "-w", "ACME  PROD"),
        ("promote", "plan", "--from", "acme dev", "--to", "acme prod"),
    ],
)
def test_a_workspace_name_in_another_case_is_taken(invoke: Invoke, signed_in, args):
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.stderr
    assert "no workspace" not in result.stderr


def test_an_app_name_in_another_case_is_taken(invoke: Invoke, signed_in):
    result = invoke("apps", "describe", "support ticket triage", "-w", "Acme Prod", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["info"]["name"] == "Support Ticket Triage"


def test_a_misspelt_app_gets_a_did_you_mean(invoke: Invoke, signed_in):
    result = invoke("apps", "describe", "Suport Ticket Triage", "-w", "Acme Prod")
    assert result.exit_code == 2
    assert "no app named 'Suport Ticket Triage'" in _said(result)
    assert "Did you mean 'Support Ticket Triage'?" in _said(result)


def test_an_app_far_from_every_name_gets_no_guess(invoke: Invoke, signed_in):
    result = invoke("apps", "describe", "Payroll", "-w", "Acme Prod")
    assert result.exit_code == 2
    assert "Did you mean" not in result.stderr


def test_backup_log_suggests_and_takes_a_name_in_another_case(invoke: Invoke, signed_in, tmp_path):
    repo = str(tmp_path / "repo")
    assert invoke("backup", "run", "-w", "Acme Prod", "--repo", repo).exit_code == 0
    typo = invoke("backup", "log", "Suport Ticket Triage", "--repo", repo)
    assert typo.exit_code == 2
    assert "Did you mean 'Support Ticket Triage'?" in _said(typo)
    case = invoke("backup", "log", "support ticket triage", "--repo", repo)
    assert case.exit_code == 0, case.stderr
    assert case.stdout.startswith("Support Ticket Triage (")


UNKNOWN_APP = {
    "apps describe": ("apps", "describe", "Nope App", "-w", "Acme Prod"),
    "apps export": ("apps", "export", "Nope App", "-w", "Acme Prod"),
    "apps run": ("apps", "run", "Nope App", "-w", "Acme Prod"),
    "apps import --app": ("apps", "import", "{dsl}", "--app", "Nope App", "-w", "Acme Prod"),
    "dsl diff": ("dsl", "diff", "app:Nope App", "{dsl}", "-w", "Acme Prod"),
    "backup log": ("backup", "log", "Nope App", "--repo", "{repo}"),
    "restore": ("restore", "Nope App", "--to", "Acme Prod", "--at", "HEAD", "--repo", "{repo}"),
}


@pytest.mark.parametrize("command", sorted(UNKNOWN_APP))
def test_an_unknown_app_is_a_usage_error_everywhere(
    invoke: Invoke, signed_in, emulator: EmulatorHandle, tmp_path, command
):
    repo = tmp_path / "repo"
    if command in ("backup log", "restore"):
        assert invoke("backup", "run", "-w", "Acme Prod", "--repo", str(repo)).exit_code == 0
    dsl = tmp_path / "app.yml"
    dsl.write_text(export(emulator, PROD_HELPDESK), encoding="utf-8")
    args = [a.format(dsl=dsl, repo=repo) for a in UNKNOWN_APP[command]]
    result = invoke(*args)
    assert result.exit_code == 2, result.stderr
    assert "'Nope App'" in result.stderr and "\nhint: " in result.stderr


@pytest.fixture
def profiles(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    """One stored profile, 'Staging', signed in on the emulator (no environment token)."""
    monkeypatch.delenv("DIFY_SERVER", raising=False)
    monkeypatch.delenv("DIFY_TOKEN", raising=False)
    token = emulator.admin.token("ada@acme.example")
    email = "ada@acme.example"
    storage = CredentialStore().save(emulator.base_url, email, SecretStr(token))
    profile = Profile(host=emulator.base_url, email=email, token_storage=storage)
    ProfileStore().upsert("Staging", profile, make_default=True)


def test_a_misspelt_profile_gets_a_did_you_mean(invoke: Invoke, profiles):
    result = invoke("workspaces", "list", "-p", "Stagnig")
    assert result.exit_code == 2  # a usage error, as an unknown workspace
    assert "no profile named 'Stagnig'" in _said(result)
    assert "Did you mean 'Staging'?" in _said(result)


def test_a_profile_name_in_another_case_is_taken(invoke: Invoke, profiles):
    result = invoke("workspaces", "list", "-p", "staging", "--json")
    assert result.exit_code == 0, result.stderr
    assert "Acme Dev" in result.stdout


def test_a_misspelt_key_of_the_promotion_manifest_gets_a_did_you_mean(invoke: Invoke, tmp_path):
    manifest = tmp_path / "promote.yml"
    manifest.write_text(
        "promotion:\n  source: {workspace: Acme Dev}\n  targte: {workspace: Acme Prod}\n",
        encoding="utf-8",
    )
    result = invoke("promote", "plan", "--manifest", str(manifest))
    assert result.exit_code == 1
    assert "promotion.targte: unknown key (did you mean 'target'?)" in result.stderr


def test_a_misspelt_key_of_the_members_manifest_gets_a_did_you_mean(
    invoke: Invoke, signed_in, tmp_path
):
    manifest = tmp_path / "members.yml"
    manifest.write_text(
        "version: 1\nworkspaces:\n  - name: Acme Dev\n    membres:\n"
        "      - {email: ada@acme.example, role: owner}\n",
        encoding="utf-8",
    )
    result = invoke("members", "plan", "-f", str(manifest))
    assert result.exit_code == 1
    assert "did you mean 'members'?" in result.stderr
