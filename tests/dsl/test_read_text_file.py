"""Reading a DSL or YAML file: one located error with a hint for a file that is not one
(issue 14, hostile input)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsl import DslError, DslParseError, load_text, read_text_file


def test_a_file_above_10_mb_is_refused_from_its_size_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yml"
    with big.open("wb") as stream:  # sparse: 4 GiB that reading would have to allocate
        stream.truncate(4 * 1024**3)
    with pytest.raises(DslParseError) as caught:
        read_text_file(big)
    assert caught.value.message == (
        "the DSL is 4,294,967,296 bytes; Dify refuses imports above 10,485,760 bytes (10 MB)"
    )
    assert (caught.value.source, caught.value.line) == (str(big), 1) and caught.value.hint
    with pytest.raises(DslParseError, match="difyops reads YAML files of at most"):
        read_text_file(big, dsl=False)


def test_a_directory_is_a_one_line_error_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(DslError) as caught:
        read_text_file(tmp_path)
    assert str(caught.value) == f"{tmp_path}: cannot read file: Is a directory"
    assert caught.value.hint == "give the path of a DSL file"


def test_not_utf8_is_located_at_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "m.yml"
    path.write_bytes(b"version: 1\n# caf\xe9\n")
    with pytest.raises(DslParseError) as caught:
        read_text_file(path, dsl=False)
    assert (caught.value.line, caught.value.column) == (2, 6)
    assert caught.value.hint == "save the file as UTF-8"


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("app: {mode: wor", "fix the YAML at that place, or export the app from Dify again"),
        ("app: {mode: workflow}\nsize: !!int xyz\n", "quote the value if it is text"),
    ],
    ids=["truncated", "unconstructible"],
)
def test_every_yaml_error_of_a_dsl_comes_with_a_hint(text: str, hint: str) -> None:
    with pytest.raises(DslParseError) as caught:
        load_text(text, source="a.yml")
    assert caught.value.hint == hint


@pytest.mark.parametrize("text", ["[]\n", "app: 1\n", "app: {mode: [1]}\n", "kind: x\napp: {}\n"])
def test_every_structure_error_comes_with_a_hint(text: str) -> None:
    with pytest.raises(DslParseError) as caught:
        load_text(text, source="a.yml")
    assert caught.value.hint
