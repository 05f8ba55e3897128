"""Edits applied to the workflow fixture, shared by the diff and renderer tests."""

from __future__ import annotations

from typing import Any

from dsl.tree import copy_tree

START, RETRIEVAL, LLM, HTTP, END = (f"170000000000{i}" for i in range(1, 6))
SUMMARY = "1700000000006"


def nodes(data: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = data["workflow"]["graph"]["nodes"]
    return result


def edges(data: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = data["workflow"]["graph"]["edges"]
    return result


def node(data: dict[str, Any], identifier: str) -> dict[str, Any]:
    return next(n for n in nodes(data) if n["id"] == identifier)


def four_edits(original: dict[str, Any]) -> dict[str, Any]:
    """Edit a prompt, add a node, remove an edge, rename a start input."""
    data: dict[str, Any] = copy_tree(original)
    prompt = node(data, LLM)["data"]["prompt_template"][0]
    prompt["text"] = prompt["text"].replace("You write", "You carefully write")
    nodes(data).append(
        {
            "id": SUMMARY,
            "type": "custom",
            "position": {"x": 680, "y": 480},
            "data": {
                "type": "template-transform",
                "title": "Summary",
                "template": "{{ notes }}",
                "variables": [{"variable": "notes", "value_selector": [LLM, "text"]}],
            },
        }
    )
    data["workflow"]["graph"]["edges"] = [e for e in edges(data) if e["source"] != HTTP]
    node(data, START)["data"]["variables"][0]["variable"] = "change_list"
    return data
