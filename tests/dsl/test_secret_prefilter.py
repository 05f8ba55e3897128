"""`may_contain_secrets`: the cheap text test must never say "no" where the detector finds
something (a backup skips parsing on its word)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl import DslError, canonical_text, find_secrets, load_text, may_contain_secrets
from dsl.tree import copy_tree
from tests.dsl.test_secrets import DIFY_APP_KEY, OPENAI_KEY, graph_with, http_node

PLANTED = [
    ("env", {"value_type": "secret", "name": "K", "value": "hunter2-hunter2"}),
    ("header", http_node(headers=f"Authorization: Bearer {OPENAI_KEY}")),
    ("named", {"api_key": "abcdef123456"}),
    ("token", {"text": f"use {OPENAI_KEY} here"}),
    ("url", {"url": f"https://maps.example/geo?key={DIFY_APP_KEY}"}),
    ("bearer", {"note": f"send Bearer {DIFY_APP_KEY}0000 with it"}),
]


def test_an_llm_app_needs_no_parse() -> None:
    llm = {
        "id": "llm",
        "data": {
            "type": "llm",
            "title": "Summarise",
            "model": {"name": "gpt-4o", "completion_params": {"max_tokens": 512}},
            "prompt_template": [{"role": "system", "text": "Summarise {{#start.text#}}"}],
        },
    }
    data = graph_with(llm)
    assert find_secrets(data) == []
    assert may_contain_secrets(canonical_text(data)) is False


@pytest.mark.parametrize(("kind", "planted"), PLANTED, ids=[k for k, _ in PLANTED])
def test_every_kind_of_finding_is_flagged_in_block_and_flow_style(kind: str, planted: Any) -> None:
    data = _with(planted, kind)
    assert find_secrets(data), kind
    assert may_contain_secrets(canonical_text(data))
    assert may_contain_secrets(yaml.safe_dump(data, default_flow_style=True, width=10_000))


@settings(max_examples=60, deadline=None)
@given(
    kind_index=st.integers(min_value=0, max_value=len(PLANTED) - 1),
    depth=st.integers(min_value=0, max_value=4),
    width=st.integers(min_value=20, max_value=120),
)
def test_never_a_false_no_however_the_yaml_is_folded(
    kind_index: int, depth: int, width: int
) -> None:
    kind, planted = PLANTED[kind_index]
    data = _with(planted, kind, depth=depth)
    text = yaml.dump(data, allow_unicode=True, width=width)
    if find_secrets(load_text(text)):
        assert may_contain_secrets(text)


@pytest.mark.corpus
def test_sound_on_the_corpus_and_worth_having(corpus_dir: Path) -> None:
    flagged = skipped = 0
    for path in sorted(corpus_dir.glob("*.yml")):
        try:
            document = load_text(path.read_text(encoding="utf-8"), source=path.name)
        except DslError:
            continue
        text = canonical_text(document)
        if find_secrets(document):
            assert may_contain_secrets(text), path.name
            flagged += 1
        elif not may_contain_secrets(text):
            skipped += 1
    assert flagged > 0
    assert skipped > 30  # most real apps are LLM workflows a backup need not parse


def _with(planted: Any, kind: str, *, depth: int = 0) -> dict[str, Any]:
    data = graph_with(http_node(headers="Accept: text/plain")) if kind != "header" else {}
    if kind == "header":
        return graph_with(copy_tree(planted))
    if kind == "env":
        data["workflow"]["environment_variables"] = [copy_tree(planted)]
        return data
    nested: Any = copy_tree(planted)
    for level in range(depth):
        nested = {f"level{level}": nested}
    data["workflow"]["graph"]["nodes"][0]["data"]["extra"] = json.loads(json.dumps(nested))
    return data
