"""Hostile YAML is refused with one located error, before anything walks its data: alias
bombs, absurd nesting, texts above Dify's 10 MB; ordinary anchors still load (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsl import DslParseError, check_file, check_import_text, load_roundtrip, load_text
from dsl.yaml_located import load_located

WORKFLOW = Path(__file__).parent / "fixtures" / "workflow_app.yml"

HEAD = "version: '0.6.0'\nkind: app\napp: {name: bomb, mode: workflow}\n"


def alias_bomb(levels: int = 10) -> str:
    """Nine aliases per level: about 3.5 billion strings once expanded, under 1 KB."""
    lines = ["bomb:", '  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"  l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    return HEAD + "\n".join(lines) + "\n"


def deep_flow(depth: int = 10_000) -> str:
    return HEAD + "deep: " + "[" * depth + "]" * depth + "\n"


def deep_block(depth: int = 3_000) -> str:
    return HEAD + "".join("  " * level + f"k{level}:\n" for level in range(depth))


def test_an_alias_bomb_is_refused_at_the_anchor_that_explodes() -> None:
    with pytest.raises(DslParseError) as caught:
        load_text(alias_bomb(), source="bomb.yml")
    error = caught.value
    assert "alias bomb" in error.message
    assert error.line > 4 and error.hint and "anchors" in error.hint
    assert str(error).startswith(f"bomb.yml:{error.line}:{error.column}: ")


@pytest.mark.parametrize("loader", [load_roundtrip, load_located], ids=["ruamel", "located"])
def test_our_own_yaml_files_refuse_alias_bombs_too(loader) -> None:
    with pytest.raises(DslParseError, match="alias bomb"):
        loader(alias_bomb(), source="members.yml")


@pytest.mark.parametrize("text", [deep_flow(), deep_block(), deep_flow(300)])
@pytest.mark.parametrize(
    "loader", [load_text, load_roundtrip, load_located], ids=["dsl", "ruamel", "located"]
)
def test_absurd_nesting_is_a_located_error_not_a_recursion_error(loader, text) -> None:
    with pytest.raises(DslParseError, match="nest"):
        loader(text, source="deep.yml")


def test_a_text_above_10_mb_is_refused_before_it_is_parsed() -> None:
    text = HEAD + "filler: '" + "x" * (10 * 1024 * 1024) + "'\n"
    with pytest.raises(DslParseError, match="Dify refuses imports above 10,485,760 bytes"):
        load_text(text, source="big.yml")
    with pytest.raises(DslParseError, match="10 MB"):
        check_import_text(text, source="big.yml")


def test_ordinary_anchors_still_load_everywhere() -> None:
    text = WORKFLOW.read_text(encoding="utf-8") + "extra: {a: &shared {x: 1}, b: *shared}\n"
    assert load_text(text).data["extra"]["b"] == {"x": 1}
    assert load_roundtrip(text)["extra"]["b"] == {"x": 1}
    assert load_located(text)["extra"]["b"] == {"x": 1}


def test_check_reports_the_bomb_as_one_error(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yml"
    path.write_text(alias_bomb(), encoding="utf-8")
    report = check_file(path)
    assert report.exit_code == 1
    assert len(report.problems) == 1 and "alias bomb" in report.problems[0].message


def test_an_empty_dsl_is_refused_before_import() -> None:
    with pytest.raises(DslParseError, match="empty"):
        check_import_text(" \n", source="empty.yml")
    check_import_text("not: [valid", source="broken.yml")  # left to the server to judge


def test_many_aliases_from_pyyamls_dumper_still_load() -> None:
    """PyYAML writes an anchor for every object shared in the data: thousands of aliases
    are normal, only their expansion counts."""
    import yaml

    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    nodes = data["workflow"]["graph"]["nodes"]
    data["workflow"]["graph"]["nodes"] = nodes * 600
    text = yaml.safe_dump(data, sort_keys=False)
    assert text.count("*id") > 1000
    assert len(load_text(text).data["workflow"]["graph"]["nodes"]) == len(nodes) * 600
