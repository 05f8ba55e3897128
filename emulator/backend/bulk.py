"""Deterministic bulk data for benchmarks (`POST /_emulator/bulk`).

Apps cycle through the modes workflow, advanced-chat, chat, agent-chat, completion,
workflow and through four sizes (a workflow graph of 3, 8, 25 or 60 nodes; a model
config with 1, 3, 6 or 12 form fields). Members get the roles
normal (most), editor, admin, dataset_operator, and every twentieth is a pending invitee.
Ids derive from the workspace id and the item's index (uuid5), so the same request
always produces the same data and repeating it adds nothing.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from emulator.backend.app_writer import store_app
from emulator.backend.dsl_content import AppContent, WorkflowContent
from emulator.clock import Clock
from emulator.store import Store
from emulator.store.rows import AccountRow, AppRow

BULK_NAMESPACE = uuid.UUID("6f1b3c2e-8d4a-4e6b-9a57-0c1d2e3f4a5b")
BULK_EPOCH = 1_748_736_000.0  # 2025-06-01T00:00:00Z, after every seeded timestamp
MODES = ("workflow", "advanced-chat", "chat", "agent-chat", "completion", "workflow")
GRAPH_SIZES = (3, 8, 25, 60)
FORM_SIZES = (1, 3, 6, 12)
OPENAI_DEPENDENCY = {
    "type": "marketplace",
    "value": {
        "marketplace_plugin_unique_identifier": "langgenius/openai:0.2.6@"
        "5b1e4b3f2c9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e",
        "version": None,
    },
    "current_identifier": None,
}


def _bulk_id(workspace_id: str, kind: str, index: int) -> str:
    return str(uuid.uuid5(BULK_NAMESPACE, f"{workspace_id}/{kind}/{index}"))


def _node(node_id: str, index: int, data: dict[str, Any]) -> dict[str, Any]:
    position = {"x": 80 + 320 * index, "y": 240 + 40 * (index % 3)}
    return {
        "id": node_id,
        "type": "custom",
        "data": {**data, "selected": False, "desc": ""},
        "position": position,
        "positionAbsolute": dict(position),
        "width": 244,
        "height": 90,
        "selected": False,
        "sourcePosition": "right",
        "targetPosition": "left",
    }


def _graph(size: int, mode: str, seed: int) -> dict[str, Any]:
    nodes = [_node("start", 0, _start())]
    previous = "start"
    for step in range(1, size - 1):
        node_id = f"step{step:02d}"
        nodes.append(_node(node_id, step, _step_data(step, previous, seed)))
        previous = node_id
    last = (
        {"type": "answer", "title": "Answer", "answer": f"{{{{#{previous}.text#}}}}"}
        if mode == "advanced-chat"
        else {
            "type": "end",
            "title": "End",
            "outputs": [{"variable": "result", "value_selector": [previous, "text"]}],
        }
    )
    nodes.append(_node("finish", size - 1, last))
    edges = [_edge(a, b) for a, b in itertools.pairwise(nodes)]
    return {"nodes": nodes, "edges": edges, "viewport": {"x": 0, "y": 0, "zoom": 0.7}}


def _start() -> dict[str, Any]:
    return {
        "type": "start",
        "title": "Start",
        "variables": [
            {
                "variable": "topic",
                "label": "Topic",
                "type": "text-input",
                "required": True,
                "max_length": 256,
            }
        ],
    }


def _step_data(step: int, previous: str, seed: int) -> dict[str, Any]:
    """An LLM, code or template node in turn, each reading the previous node's text."""
    if step % 3 == 1:
        return {
            "type": "llm",
            "title": f"Draft {step}",
            "model": {
                "provider": "langgenius/openai/openai",
                "name": "gpt-4o-mini",
                "mode": "chat",
                "completion_params": {"temperature": round(0.1 * (seed % 7), 1)},
            },
            "prompt_template": [
                {"role": "system", "text": f"Step {step}: refine {{{{#{previous}.text#}}}}."}
            ],
            "context": {"enabled": False, "variable_selector": []},
            "vision": {"enabled": False},
        }
    if step % 3 == 2:
        return {
            "type": "code",
            "title": f"Shape {step}",
            "code_language": "python3",
            "code": (
                "def main(text: str) -> dict:\n"
                f"    return {{'text': text.strip()[:{400 + step}]}}\n"
            ),
            "variables": [{"variable": "text", "value_selector": [previous, "text"]}],
            "outputs": {"text": {"type": "string", "children": None}},
        }
    return {
        "type": "template-transform",
        "title": f"Format {step}",
        "template": "{{ text }}",
        "variables": [{"variable": "text", "value_selector": [previous, "text"]}],
    }


def _edge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"{a['id']}-source-{b['id']}-target",
        "source": a["id"],
        "sourceHandle": "source",
        "target": b["id"],
        "targetHandle": "target",
        "type": "custom",
        "zIndex": 0,
        "data": {
            "sourceType": a["data"]["type"],
            "targetType": b["data"]["type"],
            "isInIteration": False,
            "isInLoop": False,
        },
    }


def _model_config(fields: int, mode: str, seed: int) -> dict[str, Any]:
    form = [
        {
            "text-input": {
                "variable": f"field_{k}",
                "label": f"Field {k}",
                "required": k == 0,
                "max_length": 48,
                "default": "",
            }
        }
        for k in range(fields)
    ]
    config: dict[str, Any] = {
        "model": {
            "provider": "langgenius/openai/openai",
            "name": "gpt-4o-mini",
            "mode": "chat",
            "completion_params": {"temperature": round(0.1 * (seed % 9), 1)},
        },
        "pre_prompt": f"You are bulk assistant #{seed}. Use {{{{field_0}}}}.",
        "prompt_type": "simple",
        "user_input_form": form,
        "opening_statement": "",
        "suggested_questions": [],
        "more_like_this": {"enabled": mode == "completion"},
        "agent_mode": {"enabled": mode == "agent-chat", "strategy": "function_call", "tools": []},
    }
    return config


def generate_bulk(
    store: Store, clock: Clock, *, workspace_id: str, apps: int, members: int
) -> dict[str, Any]:
    app_ids = [_bulk_id(workspace_id, "app", i) for i in range(apps)]
    account_ids = [_bulk_id(workspace_id, "member", j) for j in range(members)]
    with store.transaction():
        existing = store.apps.existing_app_ids(app_ids)
        for index, app_id in enumerate(app_ids):
            if app_id not in existing:
                _insert_app(store, workspace_id, index, app_id)
        _insert_members(store, workspace_id, account_ids)
    return {
        "workspace_id": workspace_id,
        "apps": {"count": len(app_ids), "ids": app_ids},
        "members": {"count": len(account_ids), "ids": account_ids},
    }


def _insert_app(store: Store, workspace_id: str, index: int, app_id: str) -> None:
    mode = MODES[index % len(MODES)]
    tier = (index // len(MODES)) % len(GRAPH_SIZES)
    at = BULK_EPOCH + 60.0 * index
    if mode in ("workflow", "advanced-chat"):
        workflow = WorkflowContent(
            graph=_graph(GRAPH_SIZES[tier], mode, index),
            features={"opening_statement": "", "suggested_questions": []},
            environment_variables=[],
            conversation_variables=[],
        )
        content = AppContent(mode, workflow, {}, [OPENAI_DEPENDENCY])
        size_label = f"{GRAPH_SIZES[tier]} nodes"
    else:
        config = {"model_config": _model_config(FORM_SIZES[tier], mode, index)}
        content = AppContent(mode, None, config, [OPENAI_DEPENDENCY])
        size_label = f"{FORM_SIZES[tier]} fields"
    app = AppRow(
        id=app_id,
        workspace_id=workspace_id,
        mode=mode,
        name=f"Bulk {mode} {index:04d} ({size_label})",
        description=f"Generated app #{index} for benchmarks.",
        icon_type="emoji",
        icon="🧪",
        icon_background="#E4FBCC",
        use_icon_as_answer_icon=False,
        enable_site=True,
        enable_api=True,
        status="normal",
        access_mode="private",
        tags=["bulk"],
        config=content.config,
        dependencies=content.dependencies,
        created_by=None,
        created_at=at,
        updated_at=at,
    )
    store_app(store, app, content, existing=False, now=at)


def _insert_members(store: Store, workspace_id: str, account_ids: list[str]) -> None:
    accounts: list[AccountRow] = []
    memberships: list[tuple[str, str, str, float]] = []
    for j, account_id in enumerate(account_ids):
        slot = j % 20
        role = {0: "admin", 1: "editor", 2: "editor", 3: "editor", 4: "dataset_operator"}.get(
            slot, "normal"
        )
        at = BULK_EPOCH + float(j)
        accounts.append(
            AccountRow(
                id=account_id,
                email=f"bulk-{workspace_id[:8]}-{j:05d}@bulk.example",
                name=f"Bulk Member {j:05d}",
                password_hash=None,
                status="pending" if slot == 19 else "active",
                avatar=None,
                created_at=at,
            )
        )
        memberships.append((workspace_id, account_id, role, at))
    store.people.insert_accounts(accounts)
    store.people.add_memberships(memberships)
