"""Loading DSL text: accepted shapes, facts about the document, located rejections."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from dsl import DslError, DslParseError, DslStructureError, load_file, load_text

MINIMAL = "app:\n  mode: workflow\n  name: Demo\nkind: app\nversion: 0.6.0\n"


def test_bare_yaml_loads_with_its_facts() -> None:
    document = load_text(MINIMAL, source="demo.yml")
    assert (document.name, document.mode, document.kind) == ("Demo", "workflow", "app")
    assert document.version == "0.6.0"
    assert document.version_declared
    assert not document.wrapped
    assert document.source == "demo.yml"
    assert document.data == {
        "app": {"mode": "workflow", "name": "Demo"},
        "kind": "app",
        "version": "0.6.0",
    }
    assert "Demo" in repr(document)


def test_export_api_json_wrapper_is_unwrapped() -> None:
    document = load_text(json.dumps({"data": MINIMAL}), source="body.json")
    assert document.wrapped
    assert document.text == MINIMAL
    assert document.data["app"]["name"] == "Demo"
    assert "JSON" in document.positions_note


def test_wrapper_with_surrogate_pair_escapes_loads() -> None:
    # The export API escapes emoji as UTF-16 surrogate pairs in JSON (ida29 backups).
    body = '{"data": "app:\\n  icon: \\ud83e\\udd16\\n  mode: chat\\n"}'
    assert load_text(body).data["app"]["icon"] == "🤖"


def test_other_json_is_read_as_yaml() -> None:
    document = load_text('{"app": {"mode": "chat", "name": "J"}, "kind": "app"}')
    assert not document.wrapped
    assert document.mode == "chat"


def test_missing_version_means_0_1_0() -> None:
    document = load_text("app:\n  mode: chat\n")
    assert document.version == "0.1.0"
    assert not document.version_declared
    assert document.kind == "app"


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.yml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    assert load_file(path).name == "Demo"


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("", 1, 1, "the document is empty"),
        ("- a\n- b\n", 1, 1, "the top level is a list, expected a mapping"),
        (
            "meta:\n  name: x\nnodes: []\n",
            1,
            1,
            "not a Dify app DSL: there is no top-level 'app' mapping (top-level keys: meta, nodes)",
        ),
        ("kind: app\napp: 3\n", 2, 6, "app is a number, expected a mapping"),
        ("kind: app\napp:\n  name: x\n", 2, 1, "app.mode is missing"),
        ("app:\n  mode: [a]\n", 2, 9, "app.mode is a list, expected a string"),
        ("kind: tool\napp:\n  mode: chat\n", 1, 7, "kind is 'tool', expected 'app'"),
        (
            "kind: rag_pipeline\napp:\n  mode: chat\n",
            1,
            7,
            "kind is 'rag_pipeline': this is a knowledge pipeline DSL",
        ),
        ("app:\n  mode: chat\n  name: [unclosed\n", 4, 1, "invalid YAML"),
        ("app:\n\tmode: chat\n", 2, 1, "invalid YAML"),
    ],
)
def test_rejections_are_located(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(DslParseError) as caught:
        load_text(text, source="bad.yml")
    error = caught.value
    assert (error.source, error.line, error.column) == ("bad.yml", line, column)
    assert message in error.message
    assert str(error).startswith(f"bad.yml:{line}:{column}: {error.message}")


def test_unquoted_numeric_version_is_rejected_with_a_quoting_hint() -> None:
    with pytest.raises(DslStructureError) as caught:
        load_text("app:\n  mode: chat\nversion: 0.1\n", source="v.yml")
    assert str(caught.value) == (
        "v.yml:3:10: version is a number (0.1), not a string; Dify rejects it; "
        "quote the version: version: '0.1'"
    )


def test_tabs_get_a_hint() -> None:
    with pytest.raises(DslParseError) as caught:
        load_text("app:\n\tmode: chat\n")
    assert caught.value.hint == "YAML indentation must use spaces, not tabs"


def test_errors_inside_the_wrapper_point_into_the_inner_yaml() -> None:
    body = json.dumps({"data": "app:\n  mode: chat\nkind: pipeline\n"})
    with pytest.raises(DslStructureError) as caught:
        load_text(body, source="body.yml")
    error = caught.value
    assert (error.line, error.column) == (3, 7)
    assert 'inside the YAML text under the JSON "data" key' in error.message


def test_wrapper_whose_data_is_not_text_is_rejected() -> None:
    with pytest.raises(DslStructureError, match='"data" is a mapping, expected the DSL'):
        load_text('{"data": {"app": {}}}')


def test_non_utf8_file_is_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes(b"app:\n  name: caf\xe9\n")
    with pytest.raises(DslParseError) as caught:
        load_file(path)
    assert (caught.value.line, caught.value.column) == (2, 12)
    assert "not UTF-8" in caught.value.message


def test_missing_file_is_a_dsl_error(tmp_path: Path) -> None:
    with pytest.raises(DslError, match="cannot read file"):
        load_file(tmp_path / "absent.yml")


def test_parse_errors_survive_pickling() -> None:
    error = DslStructureError("boom", source="s.yml", line=2, column=3, hint="do this")
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is DslStructureError
    assert str(clone) == str(error) == "s.yml:2:3: boom; do this"
