"""The error contract, swept over the commands: a usage error answers in JSON under
`--json` (code `usage`, exit 2), the `code` of a JSON error is a word of the documented
vocabulary and never a Python class name, and a bad path is one line and a hint, never
"This is a bug"."""

from __future__ import annotations

import json
import re

import pytest

from difyops._errors import classify
from tests.cli.conftest import Invoke

# One mistake of each kind click catches while parsing, in a spread of commands.
USAGE_MISTAKES = {
    "unknown option": ("apps", "list", "--bogus"),
    "unknown command": ("apps", "lsit"),
    "unknown group": ("nosuch",),
    "missing argument": ("dsl", "check"),
    "missing option": ("restore", "Support Ticket Triage", "--at", "HEAD"),
    "bad choice": ("dsl", "diff", "a.yml", "b.yml", "--format", "pdf"),
    "bad number": ("backup", "run", "--rate-limit", "zero"),
    "root option": ("--bogus", "apps", "list"),
    "promote": ("promote", "plan", "--form", "Acme Dev"),
    "extra argument": ("members", "list", "surplus"),
}


@pytest.mark.parametrize("mistake", sorted(USAGE_MISTAKES))
def test_a_usage_error_under_json_is_a_json_error(invoke: Invoke, mistake):
    result = invoke(*USAGE_MISTAKES[mistake], "--json")
    assert result.exit_code == 2, result.stderr
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "usage"
    assert error["message"] and "--help" in error["hint"]
    assert result.stdout == ""


def test_a_usage_error_without_json_is_still_for_people(invoke: Invoke):
    result = invoke("apps", "list", "--bogus")
    assert result.exit_code == 2
    assert "No such option: --bogus" in result.stderr
    assert not result.stderr.lstrip().startswith("{")


def test_a_usage_error_under_detailed_exitcode_and_json_exits_1(invoke: Invoke):
    result = invoke("promote", "plan", "--bogus", "--detailed-exitcode", "--json")
    assert result.exit_code == 1, result.stderr
    assert json.loads(result.stderr)["error"]["code"] == "usage"


def _documented_codes() -> set[str]:
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("A JSON error is", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"`([a-z_]+)`", section))


def _bare(kind: type[Exception], message: str = "it went wrong") -> Exception:
    """An instance of a client error class, whatever its constructor asks for."""
    exc = kind.__new__(kind)
    Exception.__init__(exc, message)
    exc.message = message  # type: ignore[attr-defined]
    return exc


def _errors() -> list[BaseException]:
    import dify_client
    from dify_client._errors import UnsupportedOperationError
    from reconcile.errors import ManifestError, StalePlanError, UnknownPlanError, UnsafePlanError

    client = [
        dify_client.ResponseValidationError,
        dify_client.NotADifyServerError,
        dify_client.ImportFailedError,
        dify_client.RunRequestError,
        dify_client.RunFailed,
        dify_client.ConfigFileError,
        dify_client.DifyError,
        UnsupportedOperationError,
    ]
    return [
        *(_bare(kind) for kind in client),
        UnsafePlanError("unsafe"),
        StalePlanError("stale"),
        ManifestError("bad manifest"),
        UnknownPlanError("unknown"),
        ValueError("a bug"),
        FileNotFoundError(2, "No such file or directory", "/nope"),
        PermissionError(13, "Permission denied", "/srv/dify-backup"),
        OSError(30, "Read-only file system", "/mnt/ro/backup"),
    ]


@pytest.mark.parametrize(
    "exc",
    [
        PermissionError(13, "Permission denied", "/srv/dify-backup"),
        OSError(30, "Read-only file system", "/mnt/ro/backup"),
        OSError(36, "File name too long", "/tmp/" + "x" * 300),
        NotADirectoryError(20, "Not a directory", "/etc/hostname"),
    ],
    ids=lambda e: e.strerror,
)
def test_a_path_the_system_refuses_is_no_bug(exc):
    exit_code, code, message, hint, _ = classify(exc)
    assert (exit_code, code) == (1, "bad_path")
    assert message.startswith(exc.filename) and hint and "bug" not in hint


@pytest.mark.parametrize("exc", _errors(), ids=lambda e: type(e).__name__)
def test_error_codes_are_the_documented_words_not_class_names(exc):
    _, code, *_ = classify(exc)
    assert code in _documented_codes(), code
    assert type(exc).__name__ not in code and not code.endswith("_error")


# A backup repository that is a file, in every command that takes --repo.
REPO_COMMANDS = {
    "backup run": ("backup", "run", "--repo", "{file}"),
    "backup status": ("backup", "status", "--repo", "{file}"),
    "backup log": ("backup", "log", "Support Ticket Triage", "--repo", "{file}"),
    "restore": (
        "restore",
        "Support Ticket Triage",
        "--to",
        "Acme Prod",
        "--at",
        "HEAD",
        "--repo",
        "{file}",
    ),
    "promote": ("promote", "plan", "--from", "git:HEAD", "--to", "Acme Prod", "--repo", "{file}"),
}
# A directory where a file is expected, and a file that does not exist.
FILE_COMMANDS = {
    "dsl check dir": ("dsl", "check", "{dir}"),
    "dsl check missing": ("dsl", "check", "{missing}"),
    "dsl diff dir": ("dsl", "diff", "{dir}", "{missing}"),
    "members plan dir": ("members", "plan", "-f", "{dir}", "-w", "Acme Dev"),
    "apps import dir": ("apps", "import", "{dir}", "-w", "Acme Dev"),
    "promote manifest dir": ("promote", "plan", "--manifest", "{dir}"),
}


def _fill(args, tmp_path) -> list[str]:
    file = tmp_path / "hostname"
    file.write_text("host\n", encoding="utf-8")
    paths = {"file": file, "dir": tmp_path, "missing": tmp_path / "nope.yml"}
    return [a.format(**paths) for a in args]


def _one_error_and_a_hint(stderr: str) -> None:
    assert "This is a bug" not in stderr and "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:") or "Error" in line]
    assert errors, stderr
    assert any(line.startswith("hint:") or "Try '" in line for line in lines), stderr


@pytest.mark.parametrize("command", sorted(REPO_COMMANDS))
def test_a_file_as_the_backup_repository_is_an_error_with_a_hint(
    invoke: Invoke, signed_in, tmp_path, command
):
    result = invoke(*_fill(REPO_COMMANDS[command], tmp_path))
    assert result.exit_code in (1, 2), result.stderr
    assert "error: " in result.stderr
    _one_error_and_a_hint(result.stderr)
    assert (tmp_path / "hostname").read_text(encoding="utf-8") == "host\n"


@pytest.mark.parametrize("command", sorted(REPO_COMMANDS))
def test_a_file_as_the_backup_repository_in_json(invoke: Invoke, signed_in, tmp_path, command):
    result = invoke(*_fill(REPO_COMMANDS[command], tmp_path), "--json")
    assert result.exit_code in (1, 2), result.stderr
    error = json.loads(result.stderr.strip().splitlines()[-1])["error"]
    assert error["code"] in _documented_codes() and error["code"] != "internal"
    assert error.get("hint")


@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
def test_a_directory_or_a_missing_file_where_a_file_is_expected(
    invoke: Invoke, signed_in, tmp_path, command
):
    result = invoke(*_fill(FILE_COMMANDS[command], tmp_path))
    assert result.exit_code in (1, 2), result.stdout + result.stderr
    text = result.stdout + result.stderr
    assert "This is a bug" not in text and "Traceback" not in text
    assert "hint" in text or "Try '" in text or "Invalid value" in text or "give the path" in text
    assert text.count(str(tmp_path)) <= 2, text  # the path once per line, not twice in one


def test_dsl_check_of_a_directory_is_one_line_with_what_to_give(invoke: Invoke, tmp_path):
    result = invoke("dsl", "check", str(tmp_path))
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert (
        first == f"{tmp_path}: error: cannot read file: Is a directory; give the path of a DSL file"
    )


def test_dsl_check_of_a_yaml_file_that_is_not_a_dsl_says_so(invoke: Invoke, tmp_path):
    (tmp_path / "compose.yml").write_text("services:\n  web: {image: nginx}\n", encoding="utf-8")
    result = invoke("dsl", "check", str(tmp_path / "compose.yml"))
    assert result.exit_code == 1
    assert "not a Dify app DSL" in result.stdout and "top-level keys: services" in result.stdout


# Usage errors a command raises itself (not its parser), many without a hint of their own.
COMMAND_USAGE_ERRORS = {
    "apps import without a file": ("apps", "import"),
    "promote without sides": ("promote", "plan"),
    "run inputs not an object": ("apps", "run", "X", "--inputs-file", "{list}"),
    "unknown workspace": ("apps", "list", "-w", "Nope"),
}


@pytest.mark.parametrize("mistake", sorted(COMMAND_USAGE_ERRORS))
def test_every_usage_error_has_a_hint(invoke: Invoke, signed_in, tmp_path, mistake):
    listed = tmp_path / "inputs.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    args = [a.format(list=listed) for a in COMMAND_USAGE_ERRORS[mistake]]
    result = invoke(*args)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("error: ")
    assert "\nhint: " in result.stderr
    as_json = json.loads(invoke(*args, "--json").stderr.strip().splitlines()[-1])
    assert as_json["error"]["code"] == "usage" and as_json["error"]["hint"]


def test_exporting_onto_a_directory_names_that_directory(invoke: Invoke, signed_in, tmp_path):
    result = invoke("apps", "export", "Policy Helpdesk", "-w", "Acme Prod", "-o", str(tmp_path))
    assert result.exit_code == 2  # refused before any work, with --force too
    forced = invoke(
        "apps", "export", "Policy Helpdesk", "-w", "Acme Prod", "-o", str(tmp_path), "--force"
    )
    assert forced.exit_code == 2 and forced.stderr == result.stderr
    assert result.stderr.startswith(f"error: {tmp_path}: Is a directory\nhint: ")
    assert ".tmp" not in result.stderr and list(tmp_path.iterdir()) == []


def _leaf_commands() -> list[tuple[str, ...]]:
    import typer.main

    from difyops.main import app

    def walk(command, path):
        children = getattr(command, "commands", None)
        if not children:
            return [path]
        return [leaf for name, child in children.items() for leaf in walk(child, (*path, name))]

    # `emulator serve` hands its arguments to the emulator's own parser.
    return [leaf for leaf in walk(typer.main.get_command(app), ()) if leaf != ("emulator", "serve")]


@pytest.mark.parametrize("command", _leaf_commands(), ids=" ".join)
def test_every_command_answers_a_mistyped_option_in_json(invoke: Invoke, command):
    result = invoke(*command, "--no-such-option", "--json")
    expected = 1 if command == ("drift",) else 2  # drift's 2 means "drift found"
    assert result.exit_code == expected, result.stderr
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "usage" and "--no-such-option" in error["message"]
    assert f"{' '.join(command)} --help" in error["hint"]
