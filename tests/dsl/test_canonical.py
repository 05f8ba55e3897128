"""Canonical text: Dify's exporter bytes, and the hash backups index by."""

from __future__ import annotations

import json

import pytest
import yaml

from dsl import DslDocument, DslError, canonical_text, content_hash, is_canonical, load_text


def test_our_fixture_is_canonical(workflow_doc: DslDocument) -> None:
    assert is_canonical(workflow_doc)
    assert canonical_text(workflow_doc) == workflow_doc.text
    assert canonical_text(workflow_doc.data) == yaml.dump(workflow_doc.data, allow_unicode=True)


def test_canonical_text_sorts_keys_and_keeps_unicode() -> None:
    document = load_text("version: '0.6.0'\napp: {name: 日本語, mode: chat}\nkind: app\n")
    assert canonical_text(document) == (
        "app:\n  mode: chat\n  name: 日本語\nkind: app\nversion: 0.6.0\n"
    )
    assert not is_canonical(document)


def test_legacy_ascii_form_escapes_non_ascii() -> None:
    data = {"app": {"mode": "chat", "name": "日本"}}
    assert (
        canonical_text(data, legacy_ascii=True) == 'app:\n  mode: chat\n  name: "\\u65E5\\u672C"\n'
    )


def test_same_app_hashes_the_same_in_every_wrapping(workflow_doc: DslDocument) -> None:
    legacy = canonical_text(workflow_doc, legacy_ascii=True)
    wrapped = json.dumps({"data": workflow_doc.text})
    digests = {
        content_hash(workflow_doc),
        content_hash(workflow_doc.text),
        content_hash(legacy),
        content_hash(wrapped),
        content_hash(workflow_doc.data),
    }
    assert len(digests) == 1
    assert len(digests.pop()) == 64


def test_hash_changes_with_content(workflow_doc: DslDocument) -> None:
    changed = dict(workflow_doc.data, kind="app", version="0.6.0")
    assert content_hash(changed) != content_hash(workflow_doc)


def test_values_yaml_cannot_represent_are_a_dsl_error() -> None:
    with pytest.raises(DslError, match="canonical text"):
        canonical_text({"app": {"mode": "chat", "icon": object()}})
