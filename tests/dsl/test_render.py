"""Renderers: text, Markdown, JSON and Rich say the same things, and never a secret."""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Console

from dsl import DslDiff, diff_documents, render_markdown, render_rich, render_text
from dsl.render.outline import changed_pair, short_value
from dsl.tree import copy_tree
from tests.dsl.scenarios import HTTP, LLM, four_edits, node

SECRET = "zq" + "81b7c4d2e9f0a3b5c6d7"


def scenario_diff(workflow_data: dict[str, Any]) -> DslDiff:
    new = four_edits(workflow_data)
    new["workflow"]["environment_variables"][0]["value"] = SECRET
    node(new, HTTP)["data"]["authorization"]["config"]["api_key"] = SECRET
    return diff_documents(workflow_data, new)


def test_text_report(workflow_data: dict[str, Any]) -> None:
    text = render_text(scenario_diff(workflow_data))
    assert text.splitlines()[0] == (
        "old → new: 1 node added, 3 nodes changed, 1 edge removed, 1 environment variable "
        "changed, start input renamed (breaking)"
    )
    assert "Breaking changes\n  ! start input 'changes' renamed to 'change_list'" in text
    assert '  + "Summary" (template-transform) 1700000000006\n' in text
    assert (
        "      ~ prompt_template[0].text: "
        '"You write release notes for {{#1700000000001.audience#}}. Fo…" → '
        '"You carefully write release notes for {{#1700000000001.audie…"'
    ) in text
    assert '      ~ variables[0].variable: "changes" → "change_list"' in text
    assert '  - "Publish draft" → "End"' in text
    assert "      ~ authorization.config.api_key: (secret value changed)" in text
    assert (
        "  ~ environment secret variable notes_api_token\n      ~ value: (secret value changed)"
        in text
    )
    assert 'Needs attention in the target workspace\n  * node "Style guide"' in text
    assert SECRET not in text


def test_markdown_report(workflow_data: dict[str, Any]) -> None:
    markdown = render_markdown(scenario_diff(workflow_data))
    assert markdown.startswith("### DSL diff: `old` → `new`\n\n**1 node added, 3 nodes changed")
    assert (
        "#### Breaking changes\n\n- ⚠️ start input 'changes' renamed to 'change\\_list'" in markdown
    )
    assert '- **added** "Summary" (template-transform) 1700000000006' in markdown
    assert '  - `variables[0].variable`: `"changes"` → `"change_list"`' in markdown
    assert "  - `authorization.config.api_key`: _(secret value changed)_" in markdown
    assert SECRET not in markdown


def test_markdown_escapes_what_people_typed(workflow_data: dict[str, Any]) -> None:
    new = copy_tree(workflow_data)
    node(new, LLM)["data"]["title"] = "Draft *all* the | notes"
    node(new, LLM)["data"]["model"]["name"] = "gpt-`4`"
    markdown = render_markdown(diff_documents(workflow_data, new))
    assert '"Draft \\*all\\* the \\| notes"' in markdown
    assert '`"gpt-4o-mini"` → `` "gpt-`4`" ``' in markdown


def test_json_report_is_stable_and_serialisable(workflow_data: dict[str, Any]) -> None:
    diff = scenario_diff(workflow_data)
    payload = diff.to_json()
    assert list(payload)[:4] == ["old", "new", "summary", "is_empty"]
    text = json.dumps(payload, ensure_ascii=False)
    assert SECRET not in text
    assert json.dumps(scenario_diff(workflow_data).to_json(), ensure_ascii=False) == text
    start = next(item for item in payload["nodes"] if item["title"] == "Start")
    assert start["fields"] == [
        {"path": "variables[0].variable", "kind": "changed", "old": "changes", "new": "change_list"}
    ]
    assert payload["breaking"][0]["kind"] == "start-input-renamed"
    api_key = next(item for item in payload["nodes"] if item["title"] == "Publish draft")
    assert api_key["fields"] == [
        {"path": "authorization.config.api_key", "kind": "changed", "secret": True}
    ]


def test_rich_report(workflow_data: dict[str, Any]) -> None:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(render_rich(scenario_diff(workflow_data)))
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert "start input 'changes' renamed to 'change_list'" in output
    assert '+ "Summary" (template-transform)' in output
    assert SECRET not in output


def test_empty_diff_renders_one_line() -> None:
    data = {"app": {"mode": "chat", "name": "A"}, "model_config": {"pre_prompt": "hi"}}
    assert render_text(diff_documents(data, data)) == "old → new: no behaviour change\n"


def test_long_field_lists_are_cut(workflow_data: dict[str, Any]) -> None:
    new = copy_tree(workflow_data)
    node(new, LLM)["data"].update({f"extra_{i}": i for i in range(20)})
    text = render_text(diff_documents(workflow_data, new), max_fields=5)
    assert "      … and 15 more changes" in text


def test_value_shortening() -> None:
    assert short_value("a\nb") == '"a⏎b"'
    assert short_value("x" * 100, 10) == '"xxxxxxxxxx…"'
    assert short_value({"k": [1, None]}) == '{"k": [1, null]}'
    old, new = changed_pair("p" * 100 + "old tail", "p" * 100 + "new tail", 30)
    assert old == '"…ppppppppppold tail"'
    assert new == '"…ppppppppppnew tail"'
    assert changed_pair(1, "1") == ("1", '"1"')
