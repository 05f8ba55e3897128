"""Apps, members, workspaces, sessions through the CLI: exit codes and --json shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from difyops.exceptions import ExitCode
from tests.support.emulator import DEMO, EmulatorHandle

TRIAGE_DEV = "a0000000-0000-4000-8000-000000000101"
HELPDESK_DEV = "a0000000-0000-4000-8000-000000000103"


def test_workspaces_list_json(invoke, signed_in) -> None:
    result = invoke("workspaces", "list", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert {r["name"] for r in rows} == {"Acme Dev", "Acme Prod", "Partner Lab"}
    assert set(rows[0]) >= {"id", "name", "role", "status", "current"}


def test_workspace_precedence(invoke, signed_in, monkeypatch) -> None:
    default = json.loads(invoke("members", "list", "--json").stdout)
    assert "newhire@acme.example" in {m["email"] for m in default}  # Acme Dev, the default
    monkeypatch.setenv("DIFY_WORKSPACE_ID", DEMO.ACME_PROD)
    from_env = json.loads(invoke("members", "list", "--json").stdout)
    assert "contractor@acme.example" in {m["email"] for m in from_env}
    flag = json.loads(invoke("members", "list", "-w", "Partner Lab", "--json").stdout)
    assert "margaret@partner.example" in {m["email"] for m in flag}


def test_unknown_workspace_name_lists_the_known_ones(invoke, signed_in) -> None:
    result = invoke("apps", "list", "--workspace", "Nope")
    assert result.exit_code == 2
    assert "no workspace named 'Nope'" in result.stderr
    assert "'Acme Dev'" in result.stderr


def test_a_near_miss_of_a_workspace_name_is_suggested(invoke, signed_in) -> None:
    result = invoke("apps", "list", "--workspace", "Acme Dve")
    assert result.exit_code == 2
    assert "no workspace named 'Acme Dve'" in result.stderr
    assert "Did you mean 'Acme Dev'?" in " ".join(result.stderr.split())


def test_apps_list_every_workspace(invoke, signed_in) -> None:
    result = invoke("apps", "list", "--all-workspaces", "--json")
    assert result.exit_code == 0
    names = {(a["workspace_name"], a["name"]) for a in json.loads(result.stdout)}
    assert ("Partner Lab", "Partner FAQ Bot") in names
    assert ("Acme Prod", "Policy Helpdesk") in names


def test_apps_describe_by_name(invoke, signed_in) -> None:
    result = invoke("apps", "describe", "Support Ticket Triage", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["info"]["id"] == TRIAGE_DEV
    assert body["input_schema"]["type"] == "object"


def test_export_to_a_file_and_import_it_back(invoke, signed_in, tmp_path: Path) -> None:
    target = tmp_path / "triage.yml"
    exported = invoke("apps", "export", "Support Ticket Triage", "-o", str(target))
    assert exported.exit_code == 0, exported.output
    assert yaml.safe_load(target.read_text())["app"]["name"] == "Support Ticket Triage"
    imported = invoke(
        "apps", "import", str(target), "-w", "Acme Prod", "--name", "Triage (copy)", "--json"
    )
    assert imported.exit_code == 0, imported.output
    body = json.loads(imported.stdout)
    assert body["status"] == "completed" and body["app_id"]
    assert body["leaked_dependencies"] == []


def test_import_reports_missing_plugins(invoke, signed_in, tmp_path: Path) -> None:
    target = tmp_path / "helpdesk.yml"
    invoke("apps", "export", HELPDESK_DEV, "-o", str(target))
    result = invoke("apps", "import", str(target), "-w", "Acme Prod", "--name", "Helpdesk 2")
    assert result.exit_code == 0, result.output
    assert "imported" in result.stderr
    assert "langgenius/cohere" in result.stderr


def test_pending_import_needs_confirm_pending(invoke, signed_in, tmp_path: Path) -> None:
    target = tmp_path / "newer.yml"
    invoke("apps", "export", TRIAGE_DEV, "-o", str(target))
    target.write_text(target.read_text().replace("version: 0.6.0", "version: 0.7.0"))
    left = invoke("apps", "import", str(target), "-w", "Acme Prod")
    assert left.exit_code == 1
    assert "pending" in left.stderr and "--confirm-pending" in left.stderr
    confirmed = invoke("apps", "import", str(target), "-w", "Acme Prod", "--confirm-pending")
    assert confirmed.exit_code == 0, confirmed.output
    assert "confirming" in confirmed.stderr


def test_overwrite_of_a_chat_app_fails_with_difys_reason(invoke, signed_in, tmp_path) -> None:
    target = tmp_path / "chat.yml"
    invoke("apps", "export", "Onboarding Buddy", "-o", str(target))
    result = invoke("apps", "import", str(target), "--app", "Onboarding Buddy")
    assert result.exit_code == 1
    assert "Only workflow or advanced chat apps can be overwritten" in result.stderr


def test_export_with_secrets_warns(invoke, signed_in, tmp_path: Path) -> None:
    target = tmp_path / "secret.yml"
    result = invoke("apps", "export", TRIAGE_DEV, "--include-secret", "-o", str(target))
    assert result.exit_code == 0
    assert "warning" in result.stderr
    assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_sessions_list_and_revoke(invoke, signed_in, emulator: EmulatorHandle) -> None:
    extra = emulator.admin.mint("ada@acme.example", device_label="old laptop")
    listed = json.loads(invoke("sessions", "list", "--json").stdout)
    assert "old laptop" in {s["device_label"] for s in listed}
    revoked = invoke("sessions", "revoke", extra["token_id"], "--json")
    assert revoked.exit_code == 0, revoked.output
    listed = json.loads(invoke("sessions", "list", "--json").stdout)
    assert "old laptop" not in {s["device_label"] for s in listed}


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("apps", "list"), 4, "not signed in"),
        (("apps", "import"), 2, "give a DSL file or --url"),
        (("apps", "export", "00000000-0000-4000-8000-00000000dead"), 1, "app not found"),
    ],
)
def test_exit_codes(invoke, emulator: EmulatorHandle, monkeypatch, args, code, needle) -> None:
    if code != 4:
        monkeypatch.setenv("DIFY_SERVER", emulator.base_url)
        monkeypatch.setenv("DIFY_TOKEN", emulator.admin.token())
    result = invoke(*args)
    assert result.exit_code == code, result.output
    assert needle in result.stderr
    assert "Traceback" not in result.output


def test_rate_limited_exits_7_with_json_error(invoke, signed_in, emulator: EmulatorHandle) -> None:
    emulator.admin.fault("rate_limit", retry_after=120, route="GET /workspaces")
    result = invoke("workspaces", "list", "--json")
    assert result.exit_code == 7
    error = json.loads(result.stderr)["error"]
    assert error["status"] == 429 and error["retry_after"] == 120
    assert result.stdout == ""


def test_usage_errors_exit_2(invoke) -> None:
    result = invoke("apps", "list", "--no-such-flag")
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("members", "plan", "--no-such-flag"), ExitCode.USAGE),
        (("members", "plan", "--detailed-exitcode", "--no-such-flag"), ExitCode.ERROR),
        (("members", "plan", "--no-such-flag", "--detailed-exitcode"), ExitCode.ERROR),
        (("members", "plan"), ExitCode.USAGE),  # no manifest given
        (("members", "plan", "--detailed-exitcode"), ExitCode.ERROR),
        # After `--` it is a file name (that does not exist: diff's "trouble" is 2).
        (("dsl", "diff", "--", "--detailed-exitcode", "b.yml"), ExitCode.USAGE),
    ],
)
def test_a_usage_error_exits_2_and_under_detailed_exitcode_1(invoke, args, code) -> None:
    result = invoke(*args)
    assert result.exit_code == code, result.output


def test_help_documents_exit_codes(invoke) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "7 rate limited" in result.stdout


def test_backup_of_two_hosts_in_one_run(invoke, emulator_factory, tmp_path: Path) -> None:
    from pydantic import SecretStr

    from dify_client.profiles import CredentialStore, Profile, ProfileStore

    hosts = {"first": emulator_factory(), "second": emulator_factory()}
    for name, handle in hosts.items():
        token = SecretStr(handle.admin.token("ada@acme.example"))
        storage = CredentialStore().save(handle.base_url, "ada@acme.example", token)
        profile = Profile(host=handle.base_url, email="ada@acme.example", token_storage=storage)
        ProfileStore().upsert(name, profile, make_default=False)
    repo = tmp_path / "backup"
    result = invoke(
        "backup",
        "run",
        "--repo",
        str(repo),
        "-p",
        "first",
        "-p",
        "second",
        "-w",
        "Acme Prod",
        "--json",
    )
    assert result.exit_code == 0, result.output
    hosts_done = {r["host"] for r in json.loads(result.stdout)["results"]}
    assert len(hosts_done) == 2
    assert all((repo / host / "acme-prod" / "_index.yml").exists() for host in hosts_done)
