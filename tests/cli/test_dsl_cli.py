"""`difyops dsl diff|check`: exit codes like diff(1), JSON shapes, live `app:` sides."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.flows.promote_support import DEV_HELPDESK, export
from tests.support.emulator import EmulatorHandle

WORKFLOW = Path(__file__).parents[1] / "dsl" / "fixtures" / "workflow_app.yml"


def edited_copy(tmp_path: Path) -> Path:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["workflow"]["graph"]["nodes"][1]["data"]["title"] = "Renamed step"
    target = tmp_path / "edited.yml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True))
    return target


def test_same_files_exit_0(invoke) -> None:
    result = invoke("dsl", "diff", str(WORKFLOW), str(WORKFLOW))
    assert result.exit_code == 0
    assert "no behaviour change" in result.stdout


def test_different_files_exit_1_with_the_node_named(invoke, tmp_path: Path) -> None:
    result = invoke("dsl", "diff", str(WORKFLOW), str(edited_copy(tmp_path)))
    assert result.exit_code == 1
    assert "Renamed step" in result.stdout


def test_json_and_markdown(invoke, tmp_path: Path) -> None:
    edited = str(edited_copy(tmp_path))
    as_json = invoke("dsl", "diff", str(WORKFLOW), edited, "--json")
    body = json.loads(as_json.stdout)
    assert as_json.exit_code == 1
    assert body["summary"] == "1 node changed"
    assert body["nodes"][0]["kind"] == "changed"
    as_md = invoke("dsl", "diff", str(WORKFLOW), edited, "--format", "markdown")
    assert as_md.stdout.lstrip().startswith("#")


def test_trouble_exits_2(invoke, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("app: [unclosed\n")
    result = invoke("dsl", "diff", str(WORKFLOW), str(broken))
    assert result.exit_code == 2
    assert f"{broken}:" in result.stderr


def test_a_file_against_the_live_app(invoke, signed_in, emulator: EmulatorHandle, tmp_path) -> None:
    saved = tmp_path / "helpdesk.yml"
    saved.write_text(export(emulator, DEV_HELPDESK))
    same = invoke("dsl", "diff", str(saved), "app:Policy Helpdesk", "-w", "Acme Dev")
    assert same.exit_code == 0, same.output
    other = invoke("dsl", "diff", str(saved), f"app:{'a0000000-0000-4000-8000-000000000202'}")
    assert other.exit_code == 1  # the Prod version differs


def test_check_reports_located_problems(invoke, tmp_path: Path) -> None:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["workflow"]["graph"]["edges"][0]["target"] = "nowhere"
    broken = tmp_path / "dangling.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True))
    clean = invoke("dsl", "check", str(WORKFLOW))
    assert clean.exit_code == 0, clean.output
    result = invoke("dsl", "check", str(broken), "--json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert any("nowhere" in p["message"] for p in problems)
    assert all(p.get("line") for p in problems if "nowhere" in p["message"])
