"""Every workflow / advanced-chat app of `../shared/dsl-corpus` runs to a finished event or
fails with a stated reason; chat-model apps answer. Never a Python exception escaping."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.backend.execution import FormSubmission, run_app_model
from tests.emulator._execution import FakeContext, run

pytestmark = pytest.mark.corpus

SAMPLE_FILE = {"type": "document", "transfer_method": "local_file", "upload_file_id": "f-1"}


def app_documents(corpus_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    with (corpus_dir / "SOURCES.tsv").open(encoding="utf-8") as handle:
        names = [row["file"] for row in csv.DictReader(handle, delimiter="\t")]
    documents = []
    for name in names:
        text = (corpus_dir / name).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        if isinstance(data, dict) and set(data) == {"data"}:
            data = yaml.safe_load(json.loads(text)["data"])
        if isinstance(data, dict) and isinstance(data.get("app"), dict):
            documents.append((name, data))
    return documents


def sample_inputs(workflow: dict[str, Any]) -> dict[str, Any]:
    """A value of the declared type for every start variable, as a caller would send."""
    inputs: dict[str, Any] = {}
    for raw in (workflow.get("graph") or {}).get("nodes") or []:
        data = raw.get("data") or {}
        if data.get("type") != "start":
            continue
        for variable in data.get("variables") or []:
            kind = variable.get("type")
            options = variable.get("options") or ["option"]
            inputs[variable["variable"]] = {
                "number": 1,
                "select": options[0],
                "file": SAMPLE_FILE,
                "file-list": [SAMPLE_FILE],
                "checkbox": True,
                "json_object": {},
            }.get(kind, "sample text")
    return inputs


def first_actions(workflow: dict[str, Any]) -> list[FormSubmission]:
    forms = []
    for raw in (workflow.get("graph") or {}).get("nodes") or []:
        data = raw.get("data") or {}
        if data.get("type") == "human-input" and data.get("user_actions"):
            forms.append(FormSubmission(str(data["user_actions"][0]["id"]), {}))
    return forms * 3


def test_every_corpus_app_runs_or_fails_with_a_reason(corpus_dir: Path) -> None:
    documents = app_documents(corpus_dir)
    assert len(documents) > 50
    statuses: dict[str, str] = {}
    for name, data in documents:
        mode = data["app"].get("mode")
        if mode in ("workflow", "advanced-chat"):
            workflow = data.get("workflow") or {}
            ctx = FakeContext(forms=first_actions(workflow))
            outcome, ctx = run(
                workflow,
                ctx,
                inputs=sample_inputs(workflow),
                query="hello" if mode == "advanced-chat" else None,
                mode=mode,
            )
            if ctx.events:
                assert ctx.names()[0] == "workflow_started", name
                assert ctx.finished()["status"] == outcome.status, name
        elif mode in ("chat", "agent-chat", "completion"):
            ctx = FakeContext()
            config = data.get("model_config") or {}
            outcome = run_app_model(mode, config, inputs={}, query="hello", ctx=ctx)
            assert ctx.names()[-1] == "message_end", name
        else:
            continue
        assert outcome.status in ("succeeded", "partial-succeeded", "failed"), name
        if outcome.status == "failed":
            assert outcome.error, f"{name}: failed without a reason"
        statuses[name] = outcome.status
    assert list(statuses.values()).count("succeeded") > len(statuses) // 2, statuses
