"""Fixtures for the dsl tests: our own small DSL files, goldens, and the shared corpus."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from dsl import DslDocument, load_file
from dsl.tree import copy_tree

FIXTURES_DIR = Path(__file__).parent / "fixtures"
GOLDEN_DIR = Path(__file__).parent / "golden"


@pytest.fixture
def workflow_doc() -> DslDocument:
    return load_file(FIXTURES_DIR / "workflow_app.yml")


@pytest.fixture
def chat_doc() -> DslDocument:
    return load_file(FIXTURES_DIR / "chat_app.yml")


@pytest.fixture
def workflow_data(workflow_doc: DslDocument) -> dict[str, Any]:
    """A private, mutable copy of the workflow fixture's data."""
    data: dict[str, Any] = copy_tree(workflow_doc.data)
    return data


@pytest.fixture
def find_node() -> Callable[[dict[str, Any], str], dict[str, Any]]:
    def find(data: dict[str, Any], title: str) -> dict[str, Any]:
        for node in data["workflow"]["graph"]["nodes"]:
            if node["data"].get("title") == title:
                node_: dict[str, Any] = node
                return node_
        raise KeyError(title)

    return find


def read_sources(corpus_dir: Path) -> list[dict[str, str]]:
    with (corpus_dir / "SOURCES.tsv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def load_yaml_file(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
