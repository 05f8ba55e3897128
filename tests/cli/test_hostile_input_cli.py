"""Hostile or broken input files end in one line and a hint with the documented exit code,
never a traceback or "this is a bug" (issue 14): alias bombs, absurd nesting, files that are
not UTF-8, empty or oversized DSLs, a file where a directory belongs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dsl.test_hostile_yaml import alias_bomb, deep_flow
from tests.support.emulator import DEMO, EmulatorHandle

WORKFLOW = Path(__file__).parents[1] / "dsl" / "fixtures" / "workflow_app.yml"
LATIN1 = b"version: '0.6.0'\napp:\n  name: caf\xe9\n  mode: workflow\n"


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def one_error(stderr: str) -> tuple[str, str]:
    lines = stderr.strip().splitlines()
    assert len(lines) == 2, stderr
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: ")
    assert "bug" not in stderr and "Traceback" not in stderr
    return lines[0], lines[1]


def test_check_refuses_an_alias_bomb_with_its_place(invoke, tmp_path: Path) -> None:
    bomb = write(tmp_path, "bomb.yml", alias_bomb())
    result = invoke("dsl", "check", bomb)
    assert result.exit_code == 1
    assert f"{bomb}:" in result.stdout and "alias bomb" in result.stdout


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("bomb.yml", alias_bomb(), "alias bomb"),
        ("deep.yml", deep_flow(), "nests deeper"),
        ("latin1.yml", LATIN1, "not UTF-8"),
        ("empty.yml", "", "empty"),
    ],
)
def test_diff_of_a_hostile_file_is_trouble_not_different(
    invoke, tmp_path: Path, name, content, says
) -> None:
    bad = write(tmp_path, name, content)
    result = invoke("dsl", "diff", str(WORKFLOW), bad)
    assert result.exit_code == 2  # diff(1): 2 is trouble, 1 would say "different"
    message, _ = one_error(result.stderr)
    assert f"{bad}:" in message and says in message


def test_diff_of_a_directory_is_trouble(invoke, tmp_path: Path) -> None:
    result = invoke("dsl", "diff", str(WORKFLOW), str(tmp_path))
    assert result.exit_code == 2
    assert "cannot read file" in result.stderr and "bug" not in result.stderr


def test_check_warns_about_a_plain_token_variable(invoke, tmp_path: Path) -> None:
    text = WORKFLOW.read_text(encoding="utf-8").replace(
        "  environment_variables:\n",
        "  environment_variables:\n"
        "  - {id: e9, name: SERVICE_TOKEN, value: k8Tq2vLm9XwP, value_type: string,"
        " description: '', selector: [env, SERVICE_TOKEN]}\n",
        1,
    )
    result = invoke("dsl", "check", write(tmp_path, "app.yml", text))
    assert "warning: environment variable 'SERVICE_TOKEN' is named like a secret" in (
        result.stdout.replace("\n", " ")
    )
    assert "k8Tq2vLm9XwP" not in result.stdout


def _app_count(emulator: EmulatorHandle, token: str) -> int:
    with emulator.client(token) as api:
        body = api.get("/apps", params={"workspace_id": DEMO.ACME_DEV, "limit": 100}).json()
    return int(body["total"])


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("empty.yml", "", "the DSL is empty"),
        ("latin1.yml", LATIN1, "not UTF-8"),
        ("bomb.yml", alias_bomb(), "alias bomb"),
        ("deep.yml", deep_flow(), "nests deeper"),
        ("big.yml", "app: {mode: workflow}\nx: '" + "x" * (10 * 1024 * 1024) + "'\n", "10 MB"),
    ],
)
def test_import_refuses_a_file_dify_would_refuse_before_sending_it(
    invoke, signed_in: str, emulator: EmulatorHandle, tmp_path: Path, name, content, says
) -> None:
    before = _app_count(emulator, signed_in)
    bad = write(tmp_path, name, content)
    result = invoke("apps", "import", bad, "-w", "Acme Dev")
    assert result.exit_code == 1
    message, _ = one_error(result.stderr)
    assert bad in message and says in message
    assert _app_count(emulator, signed_in) == before


def test_import_json_error_is_one_object(invoke, signed_in: str, tmp_path: Path) -> None:
    result = invoke("apps", "import", write(tmp_path, "empty.yml", ""), "--json")
    assert result.exit_code == 1
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "dsl" and "empty" in error["message"] and error["hint"]


def test_a_members_manifest_that_is_not_utf8_is_one_line(invoke, tmp_path: Path) -> None:
    manifest = write(tmp_path, "members.yml", b"workspaces: {}\n# caf\xe9\n")
    result = invoke("members", "plan", "-f", manifest)
    assert result.exit_code == 1
    message, hint = one_error(result.stderr)
    assert "not UTF-8" in message and "UTF-8" in hint


def test_a_backup_repository_that_is_a_file_is_one_line(
    invoke, signed_in: str, tmp_path: Path
) -> None:
    repo = write(tmp_path, "not-a-dir", "x\n")
    result = invoke("backup", "run", "--repo", repo, "-w", "Acme Dev")
    assert result.exit_code == 1
    assert "bug" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "hint: " in result.stderr


@pytest.mark.parametrize(
    ("exc", "says"),
    [
        (NotADirectoryError(20, "Not a directory", "/srv/backup/index.yml"), "Not a directory"),
        (UnicodeDecodeError("utf-8", b"caf\xe9", 3, 4, "invalid continuation byte"), "not UTF-8"),
        (RecursionError("maximum recursion depth exceeded"), "nests too deeply"),
    ],
)
def test_input_errors_from_any_layer_render_as_one_line(capsys, exc, says) -> None:
    from difyops._errors import render_error

    assert render_error(exc, json_mode=False) == 1
    message, _ = one_error(capsys.readouterr().err)
    assert says in message
