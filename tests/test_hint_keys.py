"""Every action and override an error names by key has a CLI spelling and a Prefect wording,
and the layers below the CLI name no CLI command or flag in what they say."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dify_client import AuthenticationError
from dify_client.remedies import Remedy, Step, say
from difyops._errors import classify
from difyops._spelling import FLAGS, cli_setting, cli_step, command
from flows.wording import PARAMETERS, failure_text, prefect_setting, prefect_step
from reconcile.errors import Override, Setting, UnsafePlanError

ROOT = Path(__file__).resolve().parents[1]
BELOW_THE_CLI = ("dify_client", "reconcile", "dsl")
CLI_WORDS = re.compile(r"`difyops |(?:^|[\s(`'\"])--[a-z]")
# Provenance headers written into files: they name the tool that wrote the file, and a
# backup or export run through Prefect is still that tool; no advice to the reader.
PROVENANCE = {
    ("reconcile/backup/layout.py", "# Written by `difyops backup`: one entry per app"),
    ("reconcile/members/export.py", 'Members of workspace "{name}", exported by `difyops'),
}


def sources(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def used_keys(enum_name: str) -> set[str]:
    pattern = re.compile(rf"\b{enum_name}\.([A-Z_]+)\b")
    return {
        name
        for path in sources(*BELOW_THE_CLI, "jobs", "tasks", "flows", "difyops")
        for name in pattern.findall(path.read_text(encoding="utf-8"))
    }


def test_every_key_is_an_enum_member_and_every_member_is_used() -> None:
    assert used_keys("Remedy") == {r.name for r in Remedy}
    assert used_keys("Override") == {o.name for o in Override}


@pytest.mark.parametrize("override", list(Override))
def test_every_override_has_a_flag_and_a_flow_parameter(override: Override) -> None:
    assert override in FLAGS and override in PARAMETERS
    for setting in (Setting(override), Setting(override, "1")):
        assert re.fullmatch(r"--[a-z-]+( \S+)?", cli_setting(setting))
        wording = prefect_setting(setting)
        assert wording.startswith("the flow parameter ") and not CLI_WORDS.search(wording)


@pytest.mark.parametrize("remedy", list(Remedy))
def test_every_remedy_has_a_command_and_a_prefect_wording(remedy: Remedy) -> None:
    step = Step(remedy, "Sign in again", host="https://dify.test", profile="work")
    assert command(step).startswith("difyops auth ")
    assert cli_step(step) == f"Sign in again with `{command(step)}`"
    wording = prefect_step(step)
    assert wording.startswith("Sign in again ") and "difyops" not in wording
    assert say((step, "."), prefect_step) == wording + "."


def test_a_rejected_token_reads_as_before_on_the_cli_and_neutral_elsewhere() -> None:
    rejected = AuthenticationError("token expired", status=401, code="unauthorized")
    assert rejected.hint == "Sign in again, or check DIFY_TOKEN."
    assert rejected.remedy is Remedy.SIGN_IN
    assert classify(rejected)[3] == "Sign in again with `difyops auth login`, or check DIFY_TOKEN."
    assert "difyops" not in failure_text(rejected)


def test_the_servers_own_hint_wins_over_the_class_remedy() -> None:
    rejected = AuthenticationError("no", status=401, code="x", hint="ask the admin")
    assert rejected.remedy is None and classify(rejected)[3] == "ask the admin"


def test_a_refusal_words_its_override_for_each_front_end() -> None:
    refused = UnsafePlanError(
        ("last admin; pass ", Setting(Override.ALLOW_NO_ADMIN), " to apply it anyway"),
        hint=("override with ", Setting(Override.ALLOW_NO_ADMIN), "."),
    )
    assert str(refused) == "last admin; pass allow_no_admin to apply it anyway"
    assert classify(refused)[2:4] == (
        "last admin; pass --allow-no-admin to apply it anyway",
        "override with --allow-no-admin.",
    )
    assert failure_text(refused) == (
        "last admin; pass the flow parameter allow_no_admin=true to apply it anyway\n"
        "override with the flow parameter allow_no_admin=true."
    )


def string_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal but docstrings (they document, and never reach a reader)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


@pytest.mark.parametrize("path", sources(*BELOW_THE_CLI), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_string_below_the_cli_names_a_cli_command_or_flag(path: Path) -> None:
    where = str(path.relative_to(ROOT))
    found = [
        f"{where}:{line}: {text!r}"
        for line, text in string_literals(ast.parse(path.read_text(encoding="utf-8")))
        if CLI_WORDS.search(text) and not any(where == p and s in text for p, s in PROVENANCE)
    ]
    assert found == []


def test_the_scan_finds_a_flag_and_a_command() -> None:
    tree = ast.parse(
        '"""Docs may say `difyops x --y`."""\nA = "pass --prune"\nB = f"run `difyops {1}"\n'
    )
    assert [text for _, text in string_literals(tree) if CLI_WORDS.search(text)] == [
        "pass --prune",
        "run `difyops ",
    ]
