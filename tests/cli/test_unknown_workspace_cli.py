"""An unknown workspace is a usage error (exit 2) in every command that takes one, with a
"did you mean" when the name is close. `drift` exits 2 for "drift found", so there, as
under `--detailed-exitcode`, a usage error reads as an error (exit 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke

COMMANDS = {
    "apps": ("apps", "list", "-w", "{ws}"),
    "runs": ("apps", "run", "Support Ticket Triage", "-w", "{ws}"),
    "members": ("members", "list", "-w", "{ws}"),
    "backup": ("backup", "run", "-w", "{ws}", "--repo", "{repo}"),
    "promote": ("promote", "plan", "--from", "Acme Dev", "--to", "{ws}"),
    "drift": ("drift", "-w", "{ws}", "--desired", "Acme Dev"),
    "apps export": ("apps", "export", "Support Ticket Triage", "-w", "{ws}"),
    "apps import": ("apps", "import", "{dir}/app.yml", "-w", "{ws}"),
    "apps describe": ("apps", "describe", "Support Ticket Triage", "-w", "{ws}"),
    "members export": ("members", "export", "-w", "{ws}"),
    "workspaces show": ("workspaces", "show", "{ws}"),
    "workspaces switch": ("workspaces", "switch", "{ws}"),
    "dsl diff": ("dsl", "diff", "app:Support Ticket Triage", "app:Policy Helpdesk", "-w", "{ws}"),
    "smoke run": ("smoke", "run", "-w", "{ws}", "--smoke", "{dir}/smoke.yml"),
    "promote from": ("promote", "plan", "--from", "{ws}", "--to", "Acme Prod"),
    "restore": ("restore", "Support Ticket Triage", "--to", "{ws}", "--at", "HEAD"),
}
USAGE = {command: 2 for command in COMMANDS} | {"drift": 1}


WORKFLOW = Path(__file__).parents[1] / "dsl" / "fixtures" / "workflow_app.yml"


def _args(command: str, workspace: str, repo: str) -> list[str]:
    # The files some commands read before they look the workspace up.
    folder = Path(repo).parent
    (folder / "app.yml").write_text(WORKFLOW.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "smoke.yml").write_text(
        "version: 1\nsmoke:\n  Support Ticket Triage:\n    - name: runs\n      inputs: {}\n",
        encoding="utf-8",
    )
    return [a.format(ws=workspace, repo=repo, dir=folder) for a in COMMANDS[command]]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_unknown_workspace_is_a_usage_error(invoke: Invoke, signed_in, tmp_path, command):
    result = invoke(*_args(command, "Nope", str(tmp_path / "repo")))
    assert result.exit_code == USAGE[command], result.stderr
    assert "'Nope'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_near_miss_is_suggested(invoke: Invoke, signed_in, tmp_path, command):
    result = invoke(*_args(command, "Acme Prdo", str(tmp_path / "repo")))
    assert result.exit_code == USAGE[command], result.stderr
    assert "Did you mean 'Acme Prod'?" in " ".join(result.stderr.split())


@pytest.mark.parametrize("command", ["apps", "promote", "backup"])
def test_json_mode_says_usage(invoke: Invoke, signed_in, tmp_path, command):
    result = invoke(*_args(command, "Nope", str(tmp_path / "repo")), "--json")
    assert result.exit_code == 2, result.stderr
    assert json.loads(result.stderr.strip().splitlines()[-1])["error"]["code"] == "usage"


def test_promote_with_detailed_exitcode_keeps_2_for_changes(invoke: Invoke, signed_in):
    result = invoke("promote", "plan", "--from", "Acme Dev", "--to", "Nope", "--detailed-exitcode")
    assert result.exit_code == 1, result.stderr
    assert "no workspace 'Nope'" in result.stderr


# `backup run -w NAME` backs up every workspace of that name, on purpose.
@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"backup"}))
def test_a_name_two_workspaces_share_is_a_usage_error_too(
    invoke: Invoke, signed_in, emulator, tmp_path, command
):
    emulator.admin.create_workspace("Twins", "ada@acme.example")
    emulator.admin.create_workspace("Twins", "ada@acme.example")
    result = invoke(*_args(command, "Twins", str(tmp_path / "repo")))
    assert result.exit_code == USAGE[command], result.stderr
    assert "more than one workspace is named 'Twins'" in " ".join(result.stderr.split())
