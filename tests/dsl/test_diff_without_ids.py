"""A hand-edited DSL whose node lost its id still diffs (issue 14, hostile input: found by
the fuzz of tests/reliability/test_hostile_inputs.py, a KeyError 'parentId' in the diff)."""

from __future__ import annotations

from pathlib import Path

import yaml

from dsl import diff_documents, load_text, render_text

WORKFLOW = Path(__file__).parent / "fixtures" / "workflow_app.yml"


def test_a_node_without_an_id_is_matched_by_its_title_and_the_diff_renders() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    node = data["workflow"]["graph"]["nodes"][1]
    del node["id"]  # matched to the old node by type and title, renamed from ""
    edited = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    diff = diff_documents(load_text(text, source="old.yml"), load_text(edited, source="new.yml"))
    assert f'"{node["data"]["title"]}"' in render_text(diff)
