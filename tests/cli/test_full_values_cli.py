"""`--full-values`: a long value that the diff shortens to the window around its first
difference (a prompt edit, the most common change) can be read whole, as a line diff, in
`dsl diff` and in `promote plan`."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.flows.promote_support import DEV_HELPDESK, export
from tests.support.emulator import EmulatorHandle

WORKFLOW = Path(__file__).parents[1] / "dsl" / "fixtures" / "workflow_app.yml"
TAIL = "and always end with a line thanking the contributors by their handle, alphabetically"
OLD_PROMPT = (
    "You write release notes for {{#1700000000001.audience#}}. Follow the style guide: "
    "{{#context#}}"
)


def _llm(data: dict) -> dict:
    return next(n for n in data["workflow"]["graph"]["nodes"] if n["data"]["type"] == "llm")


def _with_long_prompt(tmp_path: Path) -> Path:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    prompt = _llm(data)["data"]["prompt_template"][0]
    prompt["text"] = f"{prompt['text']}\nKeep it short.\nIn a list, {TAIL}."
    edited = tmp_path / "edited.yml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return edited


def test_dsl_diff_shortens_a_long_prompt_by_default(invoke, tmp_path):
    result = invoke("dsl", "diff", str(WORKFLOW), str(_with_long_prompt(tmp_path)))
    assert result.exit_code == 1
    assert "…" in result.stdout and TAIL not in result.stdout
    assert "Full values" not in result.stdout


def test_dsl_diff_full_values_shows_the_prompt_whole_as_a_line_diff(invoke, tmp_path):
    result = invoke("dsl", "diff", str(WORKFLOW), str(_with_long_prompt(tmp_path)), "--full-values")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    at = lines.index("Full values")
    assert lines[at + 1].startswith('"Draft notes" (llm) 1700000000003: prompt_template')
    body = lines[at + 2 :]
    assert f"      {OLD_PROMPT}" in body  # unchanged line: context, whole
    assert "    + Keep it short." in body
    assert f"    + In a list, {TAIL}." in body  # the new line, whole on its line


def test_dsl_diff_full_values_in_markdown_is_a_diff_block(invoke, tmp_path):
    result = invoke(
        "dsl",
        "diff",
        str(WORKFLOW),
        str(_with_long_prompt(tmp_path)),
        "--full-values",
        "--format",
        "markdown",
    )
    assert result.exit_code == 1
    assert "```diff\nFull values\n" in result.stdout and f"+ In a list, {TAIL}." in result.stdout


def test_promote_plan_full_values(invoke, signed_in, emulator: EmulatorHandle):
    data = yaml.safe_load(export(emulator, DEV_HELPDESK, include_secret=True))
    llm = _llm(data)["data"]
    llm["prompt_template"][0]["text"] += f"\nIn a list, {TAIL}."
    emulator.admin.edit_app(DEV_HELPDESK, yaml=yaml.safe_dump(data, allow_unicode=True))
    args = ("promote", "plan", "--from", "Acme Dev", "--to", "Acme Prod", "--app", "Policy*")
    short = invoke(*args)
    assert short.exit_code == 0, short.stderr
    assert TAIL not in short.stdout
    whole = invoke(*args, "--full-values")
    assert whole.exit_code == 0, whole.stderr
    assert f"+ In a list, {TAIL}." in whole.stdout
    assert "Full values" in whole.stdout
