"""Our own YAML dialect: round trips keep comments, errors and positions are located."""

from __future__ import annotations

import pytest

from dsl import DslParseError, dump_roundtrip, load_roundtrip, position_at
from dsl.yaml_io import item_position, key_position, value_position

MANIFEST = """\
# Members of the production workspace.
workspace: prod  # the slug, not the display name
members:
  - email: ada@example.test
    role: admin
  - email: 'grace@example.test'  # quoted on purpose
    role: editor
options:
  prune: false
"""
LONG_NOTE = "a very long line that must not be folded by the dumper, " + "on and " * 12 + "on"
MANIFEST += f'  note: "{LONG_NOTE}"\n'


def test_round_trip_is_byte_identical() -> None:
    assert dump_roundtrip(load_roundtrip(MANIFEST)) == MANIFEST


def test_edits_keep_comments_and_order() -> None:
    data = load_roundtrip(MANIFEST)
    data["members"].append({"email": "linus@example.test", "role": "normal"})
    data["options"]["prune"] = True
    text = dump_roundtrip(data)
    assert text.startswith("# Members of the production workspace.\nworkspace: prod  # the slug")
    assert "  - email: 'grace@example.test'  # quoted on purpose\n" in text
    assert text.endswith(
        "    role: editor\n  - email: linus@example.test\n    role: normal\n"
        'options:\n  prune: true\n  note: "a very long line'
        + MANIFEST.split("a very long line", 1)[1]
    )


def test_plain_data_uses_the_dialect() -> None:
    assert dump_roundtrip({"a": [1, {"b": "c"}], "u": "日本", "v": "0.6.0"}) == (
        "a:\n  - 1\n  - b: c\nu: 日本\nv: 0.6.0\n"
    )


def test_positions_of_keys_values_and_items() -> None:
    data = load_roundtrip(MANIFEST)
    assert key_position(data, "members") == (3, 1)
    assert value_position(data, "workspace") == (2, 12)
    assert item_position(data["members"], 1) == (6, 5)
    assert position_at(data, ("members", 1, "role")) == (7, 5)
    assert position_at(data, ("members", 5, "role")) == (3, 1), "nearest existing ancestor"
    assert key_position({"plain": 1}, "plain") is None


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("a: 1\na: 2\n", 2, 1, 'found duplicate key "a"'),
        ("members:\n  - email: [x\n", 3, 1, "expected ',' or ']'"),
        ("a: b: c\n", 1, 5, "mapping values are not allowed here"),
    ],
)
def test_errors_are_located(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(DslParseError) as caught:
        load_roundtrip(text, source="members.yml")
    error = caught.value
    assert (error.source, error.line, error.column) == ("members.yml", line, column)
    assert message in error.message
    assert str(error).startswith(f"members.yml:{line}:{column}: invalid YAML")
