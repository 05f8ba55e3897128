"""Every command's `--help` at 80 columns (issue 15): flags carry no `<bool>`, every
option name is shown whole, and an "Examples:" section ends it, each example a command
line of that very command, shown unbroken."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer._click.core import Command
from typer.core import TyperGroup
from typer.testing import CliRunner

from difyops._examples import EXAMPLES
from difyops.main import COMMANDS, app, load_command

ROOT = Path(__file__).resolve().parents[2]
PASSTHROUGH = {"emulator serve"}  # its arguments and its help are the emulator's own


def walk(command: Command, path: str) -> Iterator[tuple[str, Command]]:
    yield path, command
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from walk(sub, f"{path} {name}")


ALL = dict(pair for name in COMMANDS for pair in walk(load_command(name), name))
LEAVES = [path for path, command in ALL.items() if not isinstance(command, TyperGroup)]


def help_at_80(path: str) -> str:
    result = CliRunner().invoke(app, [*path.split(), "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def examples_of(path: str) -> list[list[str]]:
    """Each example as argv, continuation lines joined."""
    joined = " ".join(line.removesuffix("\\").strip() for line in EXAMPLES[path])
    return [shlex.split("difyops " + one) for one in joined.split("difyops ")[1:]]


# `emulator serve` is left out of both sweeps: its help is the emulator's own argparse
# help, checked by the test below.
@pytest.mark.parametrize("path", ["", *(p for p in ALL if p not in PASSTHROUGH)])
def test_help_fits_80_columns(path: str) -> None:
    output = help_at_80(path) if path else help_at_80("")
    assert "<bool>" not in output
    command = ALL[path] if path else None
    params = command.params if command else []
    for param in params:
        if param.param_type_name != "option" or getattr(param, "hidden", False):
            continue
        for name in [*param.opts, *param.secondary_opts]:
            assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", output), (path, name)


@pytest.mark.parametrize("path", [p for p in LEAVES if p not in PASSTHROUGH])
def test_every_command_ends_its_help_with_examples(path: str) -> None:
    output = help_at_80(path)
    assert "Examples:" in output
    shown = {line.strip() for line in output.splitlines()}
    for line in EXAMPLES[path]:
        assert line.strip() in shown, f"{line!r} is not shown whole at 80 columns"


@pytest.mark.parametrize("path", [p for p in LEAVES if p not in PASSTHROUGH])
def test_every_example_is_a_command_line_of_its_command(path: str) -> None:
    command = ALL[path]
    for argv in examples_of(path):
        assert argv[: 1 + len(path.split())] == ["difyops", *path.split()], argv
        rest = argv[1 + len(path.split()) :]
        # Options and arguments as the command declares them; files need not exist here.
        context = command.make_context(path, list(rest), resilient_parsing=True)
        assert not context.args, (argv, context.args)
        for param in command.params:
            # (A path that must exist reads as None here: the example's file is not.)
            if param.required and not getattr(param, "type_descriptor", None).is_path:
                assert context.params.get(param.name) is not None, (argv, param.name)


def test_emulator_serve_help_names_difyops() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "difyops", "emulator", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"},
    )
    assert done.stdout.startswith("usage: difyops emulator serve")
    assert "python -m emulator" not in done.stdout
    assert "Examples:" in done.stdout and "difyops emulator serve --seed demo" in done.stdout
