"""A scalar the YAML constructors cannot turn into a value is a located parse error in every
loader (DSL, members manifest, promotion manifest), not a ValueError or KeyError escaping
as "unexpected error … This is a bug" (issue 14, hostile input)."""

from __future__ import annotations

import pytest

from dsl import DslParseError, load_roundtrip, load_text
from dsl.yaml_located import load_located

LOADERS = {"dsl": load_text, "ruamel": load_roundtrip, "located": load_located}

HEAD = "version: '0.6.0'\nkind: app\napp: {name: x, mode: workflow}\n"


@pytest.mark.parametrize("loader", LOADERS.values(), ids=LOADERS.keys())
@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("9" * 5000, "(5,000 characters) is not a valid int"),
        ("0x" + "f" * 5000, "is not a valid int"),
        ("!!int xyz", "'xyz' is not a valid int"),
        ("!!float xyz", "'xyz' is not a valid float"),
        ("!!bool xyz", "'xyz' is not a valid bool"),
        ("!!timestamp 2020-13-45", "'2020-13-45' is not a valid timestamp"),
    ],
    ids=["5000-digit-int", "5000-digit-hex", "int-tag", "float-tag", "bool-tag", "timestamp"],
)
def test_a_value_that_cannot_be_constructed_is_refused_at_its_place(loader, value, says) -> None:
    with pytest.raises(DslParseError) as caught:
        loader(HEAD + f"size: {value}\n", source="f.yml")
    assert says in caught.value.message
    assert (caught.value.line, caught.value.column) == (4, 7)


def test_a_leading_zero_is_decimal_in_our_yaml_12_files() -> None:
    # YAML 1.1's constructor reads `09` as octal and fails on the 9; ruamel (YAML 1.2,
    # which writes our manifests) reads nine.
    assert load_located("version: 09\n") == load_roundtrip("version: 09\n") == {"version": 9}


@pytest.mark.parametrize("key", ["[a, b]", "{a: 1}"], ids=["list", "mapping"])
def test_a_collection_as_a_key_is_a_located_error_in_the_fast_reader(key) -> None:
    with pytest.raises(DslParseError, match="a mapping key must be a scalar") as caught:
        load_located(f"version: 1\n? {key}\n: 1\n", source="members.yml")
    assert caught.value.line == 2


@pytest.mark.parametrize("loader", LOADERS.values(), ids=LOADERS.keys())
def test_a_character_yaml_refuses_is_one_line_at_its_place(loader) -> None:
    # PyYAML's reader error spans two lines ("in <unicode string>, position 12") and had
    # no place in our own files' loaders: it was reported at 1:1.
    with pytest.raises(DslParseError) as caught:
        loader(HEAD + "size: \x1f\n", source="f.yml")
    assert caught.value.message == "invalid YAML: character U+001F is not allowed in YAML"
    assert (caught.value.line, caught.value.column) == (4, 7)
