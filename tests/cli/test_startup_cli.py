"""Start-up (issue 15): `difyops --help` loads no command module, and the read-only
commands run without importing Prefect (only `backup run`, the applies and the flows
pay for it). Each runs in a fresh interpreter, which then reports what it imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from difyops.main import COMMANDS, load_command

ROOT = Path(__file__).resolve().parents[2]
HELPDESK_DEV = "a0000000-0000-4000-8000-000000000103"

# What a command's --help must not load: the layers below the CLI and their heavy deps.
# (Not pydantic: Typer itself builds each parameter's coercion with it.)
LOWER = {"dify_client", "dsl", "reconcile", "tasks", "flows", "gitstore", "git", "httpx"}
LOWER |= {"jobs", "prefect"}

SCRIPT = """\
import json, sys
LOWER = set(LOWER_NAMES)
from typer.testing import CliRunner
from difyops.main import app
result = CliRunner().invoke(app, sys.argv[1:])
roots = {m.split('.')[0] for m in sys.modules}
print(json.dumps({
    "exit_code": result.exit_code,
    "output": result.output[-2000:],
    "prefect": sorted(roots & {"prefect", "flows"}),
    "commands": sorted(m for m in sys.modules if m.startswith("difyops.commands.")),
    "heavy": sorted(roots & {"dify_client", "dsl", "reconcile", "gitstore", "git", "httpx"}),
    "lower": sorted(roots & LOWER),
}))
""".replace("LOWER_NAMES", repr(sorted(LOWER)))


def run_fresh(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"},
    )
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_help_imports_no_command_and_no_lower_layer() -> None:
    report = run_fresh("--help")
    assert report["exit_code"] == 0
    assert report["commands"] == []
    assert report["heavy"] == []
    assert report["prefect"] == []
    for name in COMMANDS:
        assert name in str(report["output"])


def test_a_command_imports_only_its_own_module() -> None:
    report = run_fresh("auth", "--help")
    assert report["commands"] == ["difyops.commands.auth"]
    assert report["prefect"] == []


# The groups whose help (theirs and their verbs') loads none of the lower layers.
LAZY_HELP = {
    "auth": ["login", "logout", "status", "use"],
    "backup": ["run", "status", "log"],
    "promote": ["plan", "apply"],
    "members": ["list", "plan", "apply", "export"],
    "apps": [
        "list",
        "describe",
        "export",
        "import",
        "run",
        "events",
        "stop",
        "upload",
        "versions",
        "publish",
        "form",
    ],
    "sessions": ["list", "revoke"],
    "workspaces": ["list", "show", "switch"],
}


@pytest.mark.parametrize(
    "args",
    [[group] for group in LAZY_HELP]
    + [[group, leaf] for group, leaves in LAZY_HELP.items() for leaf in leaves],
    ids=" ".join,
)
def test_a_commands_help_loads_no_lower_layer(args: list[str]) -> None:
    # `difyops auth --help` took 1.5 s when auth imported the client at its top.
    report = run_fresh(*args, "--help")
    assert report["exit_code"] == 0, report["output"]
    assert "--help" in str(report["output"])
    assert report["lower"] == []


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_root_help_lines_are_the_commands_own(name: str) -> None:
    # The root help lists commands without importing them, from a table in main.py:
    # that table must say what each command's own help says.
    command = load_command(name)
    assert COMMANDS[name][1] == command.get_short_help_str(limit=200)


@pytest.fixture
def backup_repo(invoke, signed_in, tmp_path: Path) -> Path:
    repo = tmp_path / "backup"
    assert invoke("backup", "run", "--repo", str(repo), "-w", "Acme Dev").exit_code == 0
    return repo


def test_read_only_commands_do_not_import_prefect(
    invoke, signed_in, backup_repo: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "members.yaml"
    exported = invoke("members", "export", "-w", "Acme Dev", "-o", str(manifest))
    assert exported.exit_code == 0, exported.output
    commands = [
        ("backup", "status", "--repo", str(backup_repo)),
        ("backup", "log", HELPDESK_DEV, "--repo", str(backup_repo)),
        ("members", "export", "-w", "Acme Dev"),
        ("members", "plan", "-f", str(manifest)),
        ("auth", "status"),
        ("--help",),
        ("--version",),
    ]
    for args in commands:
        report = run_fresh(*args)
        assert report["exit_code"] == 0, (args, report["output"])
        assert report["prefect"] == [], args
