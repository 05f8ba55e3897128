"""Issue 15, consistency and the README's examples: every file writer says `--out/-o` and
refuses to overwrite without `--force`; `dsl diff -`/`dsl check -` read standard input;
completion offers profiles, workspaces and modes from local files only; the README's
`backup log` and `restore` examples work on the demo seed; the demo's commands paste."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dify_client.profiles import Profile, ProfileStore
from difyops import demo
from difyops._completion import complete_modes, complete_profiles
from difyops.main import COMMANDS, app, load_command
from tests.support.emulator import EmulatorHandle

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = str(ROOT / "examples" / "members.yml")
WORKFLOW = ROOT / "tests" / "dsl" / "fixtures" / "workflow_app.yml"
KEEP = "keep me\n"

WRITERS = {
    "apps export": ("apps", "export", "Policy Helpdesk", "-w", "Acme Dev", "-o"),
    "apps export --output (old name)": (
        "apps",
        "export",
        "Policy Helpdesk",
        "-w",
        "Acme Dev",
        "--output",
    ),
    "members export": ("members", "export", "-w", "Acme Dev", "--out"),
    "members plan": ("members", "plan", "-f", MEMBERS, "-o"),
    "promote plan": (
        "promote",
        "plan",
        "--from",
        "Acme Dev",
        "--to",
        "Acme Prod",
        "--app",
        "Policy Helpdesk",
        "--out",
    ),
}


@pytest.mark.parametrize("command", list(WRITERS.values()), ids=list(WRITERS))
def test_a_writer_refuses_to_overwrite_a_file_without_force(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path, command: tuple[str, ...]
) -> None:
    target = tmp_path / "existing.out"
    target.write_text(KEEP)
    emulator.admin.reset_stats()
    refused = invoke(*command, str(target))
    assert refused.exit_code == 2, refused.output
    assert f"{target} exists" in refused.stderr and "--force" in refused.stderr
    assert target.read_text() == KEEP
    assert sum(emulator.admin.stats().values()) == 0  # refused before any work
    forced = invoke(*command, str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_text() != KEEP


def _commands(group: Any, path: str = "") -> list[tuple[str, Any]]:
    # typer vendors click: its groups are not the `click` package's; tell them by shape.
    found: list[tuple[str, Any]] = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found += _commands(command, f"{path}{name} ")
        else:
            found.append((f"{path}{name}", command))
    return found


def test_every_file_writer_spells_out_one_way_and_takes_force() -> None:
    writers = []
    for name, command in (
        pair
        for top in COMMANDS
        for pair in (
            _commands(load_command(top), f"{top} ")
            if hasattr(load_command(top), "commands")
            else [(top, load_command(top))]
        )
    ):
        options = {opt for param in command.params for opt in param.opts if not param.hidden}
        assert "--output" not in options, name
        if "--out" in options:
            writers.append(name)
            assert {"-o", "--force"} <= options, name
    assert set(writers) >= {"apps export", "members export", "members plan", "promote plan"}


def test_dsl_diff_reads_the_old_side_from_stdin(invoke, tmp_path: Path) -> None:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["workflow"]["graph"]["nodes"][1]["data"]["title"] = "Renamed step"
    edited = tmp_path / "edited.yml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True))
    result = invoke("dsl", "diff", "-", str(edited), input=WORKFLOW.read_text())
    assert result.exit_code == 1, result.output
    assert "<stdin> → " in result.stdout and "Renamed step" in result.stdout
    same = invoke("dsl", "diff", str(WORKFLOW), "-", input=WORKFLOW.read_text())
    assert same.exit_code == 0, same.output
    both = invoke("dsl", "diff", "-", "-", input="")
    assert both.exit_code == 2 and "only one side can be -" in both.stderr


def test_dsl_check_reads_stdin_and_locates_problems_in_it(invoke) -> None:
    good = invoke("dsl", "check", "-", input=WORKFLOW.read_text())
    assert good.exit_code == 0, good.output
    assert "<stdin>: ok" in good.stdout
    bad = invoke("dsl", "check", "-", input="app:\n  mode: [\n")
    assert bad.exit_code == 1
    assert re.search(r"<stdin>:\d+:\d+: error: invalid YAML", bad.stdout)


def test_completion_offers_the_local_profiles_and_the_app_modes() -> None:
    store = ProfileStore()
    for name in ("work", "home", "workshop"):
        store.upsert(name, Profile(host=f"https://{name}.test", email="a@b.c"), make_default=False)
    assert complete_profiles("wor") == ["work", "workshop"]
    assert complete_profiles("") == ["home", "work", "workshop"]
    assert complete_modes("w") == ["workflow"]
    assert "advanced-chat" in complete_modes("")


def _complete(words: str) -> list[str]:
    """What bash would offer for the last word of `words`, through the CLI itself."""
    env = {
        "_DIFYOPS_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(shlex.split(words)) - (0 if words.endswith(" ") else 1)),
    }
    result = CliRunner().invoke(app, [], env=env, prog_name="difyops")
    return [line for line in result.stdout.splitlines() if line]


def test_completion_offers_workspaces_listed_before_without_calling_the_server(
    invoke, signed_in, emulator: EmulatorHandle
) -> None:
    assert _complete("difyops promote plan --to ") == []  # nothing listed yet
    assert invoke("workspaces", "list").exit_code == 0
    emulator.admin.reset_stats()
    assert _complete("difyops promote plan --to Acme") == ["Acme Dev", "Acme Prod"]
    assert _complete("difyops drift -w P") == ["Partner Lab"]
    assert _complete("difyops promote plan --mode adv") == ["advanced-chat"]
    assert sum(emulator.admin.stats().values()) == 0


def test_backup_log_of_a_repeated_name_says_the_command_that_picks_one(
    invoke, signed_in, tmp_path: Path
) -> None:
    repo = tmp_path / "backup"
    assert invoke("backup", "run", "--repo", str(repo)).exit_code == 0
    vague = invoke("backup", "log", "Policy Helpdesk", "--repo", str(repo))
    assert vague.exit_code == 2
    suggested = re.search(r"`(difyops backup log [^`]+)`", vague.stderr)
    assert suggested, vague.stderr
    # The suggestion pastes: run it as a shell would split it.
    argv = shlex.split(suggested.group(1))[1:]
    picked = invoke(*argv)
    assert picked.exit_code == 0, picked.output
    assert "acme-dev/policy-helpdesk.yml" in picked.stdout


def test_restore_needs_no_path_when_the_target_has_its_own_backup(
    invoke, signed_in, tmp_path: Path
) -> None:
    repo = tmp_path / "backup"
    assert invoke("backup", "run", "--repo", str(repo)).exit_code == 0
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    shown = invoke(
        "restore", "Policy Helpdesk", "--to", "Acme Prod", "--at", head, "--repo", str(repo)
    )
    assert shown.exit_code == 0, shown.output
    assert "/acme-prod to Acme Prod" in shown.stdout and "unchanged" in shown.stdout
    # An app only one workspace directory holds is read from there.
    lab = invoke(
        "restore", "Lab Notes Summarizer", "--to", "Acme Prod", "--at", head, "--repo", str(repo)
    )
    assert lab.exit_code == 0, lab.output
    assert "/partner-lab to Acme Prod" in lab.stdout
    nowhere = invoke("restore", "Nope", "--to", "Acme Prod", "--at", head, "--repo", str(repo))
    assert nowhere.exit_code == 2 and "--path" in nowhere.stderr


def test_the_demo_prints_commands_that_paste(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[list[str]] = []

    def fake_run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        ran.append(args)
        return subprocess.CompletedProcess(args, 0)

    monkeypatch.setattr(demo.subprocess, "run", fake_run)
    demo.run("backup", "log", "Policy Helpdesk", "--workspace", "Acme Dev")
    demo.shell("git", "log", "--format=%h %s")
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("$ ")]
    assert printed == [
        "$ difyops backup log 'Policy Helpdesk' --workspace 'Acme Dev'",
        "$ git log '--format=%h %s'",
    ]
    assert shlex.split(printed[0][2:])[1:] == ran[0][3:]
