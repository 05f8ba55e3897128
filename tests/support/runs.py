"""What the runtime contract tests share: the demo apps they run and a small human-input
workflow to import through the client.

The demo seed's Dev "Support Ticket Triage" has a published version (no `tier` input);
its other workflow and chatflow apps have none, so tests publish them first through the
operator API.
"""

from __future__ import annotations

from typing import Any

import yaml

from dify_client import DifyClient
from dify_client.models import RunEvent
from tests.support.emulator import DEMO, EmulatorHandle

TRIAGE = DEMO.app_id(101)
DIGEST = DEMO.app_id(102)  # workflow, never published in the seed
HELPDESK = DEMO.app_id(103)  # advanced-chat
BUDDY = DEMO.app_id(104)  # chat
COPYWRITER = DEMO.app_id(106)  # completion
TICKET = {"subject": "Refund", "body": "I was charged twice."}
GRACE = "grace@acme.example"  # admin of Acme Dev: another caller than Ada

APPROVE_NOTE = "Review {{#start.subject#}}"


def trail(events: list[RunEvent]) -> list[tuple[str, str | None]]:
    """(event name, node id) of every event but pings: what two runs compare on."""
    return [(e.event, (e.data or {}).get("node_id")) for e in events if e.event != "ping"]


def human_input_dsl(name: str = "Refund approval") -> str:
    """A workflow that pauses on a form with two actions, each to its own end node."""
    actions = [{"id": "approve", "title": "Approve"}, {"id": "reject", "title": "Reject"}]
    form_inputs = [
        {
            "type": "paragraph",
            "output_variable_name": "note",
            "placeholder": {"type": "variable", "selector": ["start", "subject"]},
        }
    ]
    nodes = [
        _node("start", "start", variables=[_text_input("subject")]),
        _node(
            "review",
            "human-input",
            title="Review",
            form_content=APPROVE_NOTE + ": {{#$output.note#}}",
            user_actions=actions,
            inputs=form_inputs,
            timeout=1,
            timeout_unit="day",
        ),
        _node(
            "approved",
            "end",
            outputs=[{"variable": "note", "value_selector": ["review", "note"]}],
        ),
        _node(
            "rejected",
            "end",
            outputs=[{"variable": "rejected", "value_selector": ["review", "action_id"]}],
        ),
    ]
    edges = [
        _edge("start", "review"),
        _edge("review", "approved", "approve"),
        _edge("review", "rejected", "reject"),
    ]
    document = {
        "app": {"mode": "workflow", "name": name, "icon": "✅", "description": ""},
        "kind": "app",
        "version": "0.6.0",
        "workflow": {
            "graph": {"nodes": nodes, "edges": edges},
            "features": {},
            "environment_variables": [],
            "conversation_variables": [],
        },
    }
    return yaml.safe_dump(document, allow_unicode=True)


def import_human_input_app(dify: DifyClient, emulator: EmulatorHandle) -> str:
    """Import the human-input workflow into Acme Dev through the client and publish it."""
    return import_published(dify, emulator, human_input_dsl())


def _node(node_id: str, node_type: str, *, title: str | None = None, **data: Any) -> dict[str, Any]:
    body = {"type": node_type, "title": title or node_id.title(), **data}
    return {"id": node_id, "type": "custom", "data": body}


def _edge(source: str, target: str, handle: str = "source") -> dict[str, Any]:
    return {
        "id": f"{source}-{handle}-{target}",
        "source": source,
        "target": target,
        "sourceHandle": handle,
        "targetHandle": "target",
    }


def _text_input(name: str) -> dict[str, Any]:
    return {"variable": name, "label": name, "type": "text-input", "required": True}


def file_input_dsl(name: str = "Read a document") -> str:
    """A workflow whose start takes a file `doc` and whose end gives it back."""
    start = {
        "variable": "doc",
        "label": "Document",
        "type": "file",
        "required": True,
        "allowed_file_types": ["document"],
        "allowed_file_upload_methods": ["local_file"],
    }
    nodes = [
        _node("start", "start", variables=[start]),
        _node("end", "end", outputs=[{"variable": "doc", "value_selector": ["start", "doc"]}]),
    ]
    document = {
        "app": {"mode": "workflow", "name": name, "icon": "📄", "description": ""},
        "kind": "app",
        "version": "0.6.0",
        "workflow": {
            "graph": {"nodes": nodes, "edges": [_edge("start", "end")]},
            "features": {},
            "environment_variables": [],
            "conversation_variables": [],
        },
    }
    return yaml.safe_dump(document, allow_unicode=True)


def import_published(dify: DifyClient, emulator: EmulatorHandle, text: str) -> str:
    """Import a workflow DSL into Acme Dev through the client and publish it."""
    result = dify.dsl.import_(DEMO.ACME_DEV, yaml_content=text, raise_on_failure=True)
    assert result.app_id is not None
    emulator.admin.publish(result.app_id)
    return result.app_id


def iteration_pause_dsl(name: str = "Review each line") -> str:
    """A workflow that renders each of `items` in an iteration, then pauses on a form."""
    actions = [{"id": "approve", "title": "Approve"}]
    nodes = [
        _node("start", "start", variables=[{**_text_input("items"), "type": "json_object"}]),
        _node(
            "each",
            "iteration",
            iterator_selector=["start", "items"],
            output_selector=["render", "output"],
            start_node_id="each-start",
        ),
        {**_node("each-start", "iteration-start"), "parentId": "each"},
        {
            **_node(
                "render",
                "template-transform",
                template="{{ item }}!",
                variables=[{"variable": "item", "value_selector": ["each", "item"]}],
            ),
            "parentId": "each",
        },
        _node("review", "human-input", form_content="Fine?", user_actions=actions, inputs=[]),
        _node("end", "end", outputs=[{"variable": "lines", "value_selector": ["each", "output"]}]),
    ]
    edges = [
        _edge("start", "each"),
        _edge("each-start", "render"),
        _edge("each", "review"),
        _edge("review", "end", "approve"),
    ]
    document = {
        "app": {"mode": "workflow", "name": name, "icon": "🔁", "description": ""},
        "kind": "app",
        "version": "0.6.0",
        "workflow": {
            "graph": {"nodes": nodes, "edges": edges},
            "features": {},
            "environment_variables": [],
            "conversation_variables": [],
        },
    }
    return yaml.safe_dump(document, allow_unicode=True)
