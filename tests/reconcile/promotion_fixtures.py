"""Small, original Dify app DSLs for the promotion planner's unit tests.

Every builder returns a fresh plain dict (tests edit their own copy freely); `document`
turns one into a `DslDocument` the way an export would be loaded. Nothing here is copied
from a real export: the apps are made up, just shaped like Dify's (dsl-format.md §2–§7).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from dsl import DslDocument, load_text
from reconcile.promotion.plan import Endpoint
from reconcile.promotion.planner import AppRef, Match

SOURCE = Endpoint(
    kind="workspace", host="https://dev.dify.test", workspace_id="ws-dev", workspace_name="Dev"
)
TARGET = Endpoint(
    kind="workspace", host="https://prod.dify.test", workspace_id="ws-prod", workspace_name="Prod"
)

# Secret-looking values that must never reach a plan. Long enough and varied enough that
# the DSL layer's secret detection would recognise them as real credentials.
TARGET_SECRET = "prod-Zq8vW3nL5tY1xR7k"
SOURCE_SECRET = "dev-Hb4mC9pQ2sJ6wE0u"
TARGET_API_KEY = "kP3vR8tW1yZ5nB7mQ2xC"


def document(data: dict[str, Any], *, source: str = "<test>") -> DslDocument:
    """The DSL loaded from YAML text, as the planner receives an export."""
    return load_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), source=source)


def app_ref(name: str, mode: str = "workflow", app_id: str | None = None) -> AppRef:
    return AppRef(id=app_id, name=name, mode=mode)


def match(
    name: str,
    mode: str = "workflow",
    *,
    target_mode: str | None = None,
    target_name: str | None = None,
    target_id: str | None = "t-1",
    source_id: str | None = "s-1",
) -> Match:
    """A source app paired with its target app (`target_id=None`: absent in the target)."""
    landing = target_name or name
    target = (
        None if target_id is None else AppRef(id=target_id, name=landing, mode=target_mode or mode)
    )
    return Match(AppRef(id=source_id, name=name, mode=mode), landing, target)


# --- environment variables ----------------------------------------------------------------


def secret_var(name: str, value: str = "", var_id: str | None = None) -> dict[str, Any]:
    return {
        "id": var_id or f"env-{name.lower()}",
        "name": name,
        "value": value,
        "value_type": "secret",
        "description": "",
    }


def string_var(name: str, value: str, var_id: str | None = None) -> dict[str, Any]:
    return {
        "id": var_id or f"env-{name.lower()}",
        "name": name,
        "value": value,
        "value_type": "string",
        "description": "",
    }


# --- dependencies -------------------------------------------------------------------------


def marketplace_plugin(identifier: str) -> dict[str, Any]:
    """``identifier`` as ``org/name:version@hash``."""
    return {
        "current_identifier": None,
        "type": "marketplace",
        "value": {"marketplace_plugin_unique_identifier": identifier},
    }


OPENAI = "langgenius/openai:0.2.6@" + "3f" * 32
OPENAI_NEWER = "langgenius/openai:0.2.7@" + "9a" * 32


# --- nodes and edges ----------------------------------------------------------------------


def _node(node_id: str, x: int, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "custom",
        "position": {"x": x, "y": 240},
        "positionAbsolute": {"x": x, "y": 240},
        "width": 244,
        "height": 90,
        "selected": False,
        "sourcePosition": "right",
        "targetPosition": "left",
        "data": payload,
    }


def _edge(source: str, source_type: str, target: str, target_type: str) -> dict[str, Any]:
    return {
        "id": f"{source}-source-{target}-target",
        "source": source,
        "sourceHandle": "source",
        "target": target,
        "targetHandle": "target",
        "type": "custom",
        "zIndex": 0,
        "data": {"isInIteration": False, "sourceType": source_type, "targetType": target_type},
    }


def _llm_payload(prompt: str, context: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "llm",
        "title": "Summarise",
        "desc": "",
        "model": {
            "provider": "langgenius/openai/openai",
            "name": "gpt-4o-mini",
            "mode": "chat",
            "completion_params": {"temperature": 0.2},
        },
        "prompt_template": [{"role": "system", "text": prompt}],
        "context": {"enabled": bool(context), "variable_selector": context or []},
        "vision": {"enabled": False},
        "variables": [],
    }


def _graph(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {"nodes": nodes, "edges": edges, "viewport": {"x": 12, "y": -40, "zoom": 0.85}}


def _features() -> dict[str, Any]:
    return {
        "opening_statement": "",
        "suggested_questions": [],
        "file_upload": {
            "enabled": False,
            "fileUploadConfig": {"file_size_limit": 15, "batch_count_limit": 5},
        },
        "retriever_resource": {"enabled": True},
    }


def workflow_app(
    name: str = "Ticket Summary",
    *,
    prompt: str = "Summarise the ticket in two sentences: {{#start.ticket#}}",
    version: str = "0.3.0",
    env: Iterable[dict[str, Any]] = (),
    dependencies: Iterable[dict[str, Any]] = (),
    llm_x: int = 380,
) -> dict[str, Any]:
    """A workflow: start (one input, `ticket`) → llm → end."""
    start = {
        "type": "start",
        "title": "Start",
        "desc": "",
        "variables": [
            {
                "variable": "ticket",
                "label": "Ticket",
                "type": "paragraph",
                "required": True,
                "max_length": 4000,
                "options": [],
            }
        ],
    }
    end = {
        "type": "end",
        "title": "End",
        "desc": "",
        "outputs": [{"variable": "summary", "value_selector": ["llm", "text"]}],
    }
    return {
        "app": {
            "name": name,
            "mode": "workflow",
            "icon": "📝",
            "icon_background": "#E4FBCC",
            "description": "Summarises support tickets.",
            "use_icon_as_answer_icon": False,
        },
        "kind": "app",
        "version": version,
        "dependencies": list(dependencies),
        "workflow": {
            "conversation_variables": [],
            "environment_variables": list(env),
            "features": _features(),
            "graph": _graph(
                [
                    _node("start", 80, start),
                    _node("llm", llm_x, _llm_payload(prompt)),
                    _node("end", 680, end),
                ],
                [_edge("start", "start", "llm", "llm"), _edge("llm", "llm", "end", "end")],
            ),
        },
    }


def chatflow_app(
    name: str = "Policy Helpdesk",
    *,
    dataset_ids: list[str] | None = None,
    version: str = "0.3.0",
    env: Iterable[dict[str, Any]] = (),
    dependencies: Iterable[dict[str, Any]] = (),
    answer: str = "{{#llm.text#}}",
) -> dict[str, Any]:
    """An advanced-chat app: start → knowledge-retrieval → llm → answer."""
    retrieval = {
        "type": "knowledge-retrieval",
        "title": "Policies",
        "desc": "",
        "query_variable_selector": ["sys", "query"],
        "dataset_ids": list(dataset_ids) if dataset_ids is not None else ["kb-enc-AAA"],
        "retrieval_mode": "multiple",
        "multiple_retrieval_config": {"top_k": 4, "reranking_enable": False},
    }
    llm = _llm_payload("Answer from the policies only.", context=["retrieval", "result"])
    return {
        "app": {
            "name": name,
            "mode": "advanced-chat",
            "icon": "📚",
            "icon_background": "#D5F5F6",
            "description": "",
            "use_icon_as_answer_icon": False,
        },
        "kind": "app",
        "version": version,
        "dependencies": list(dependencies),
        "workflow": {
            "conversation_variables": [],
            "environment_variables": list(env),
            "features": _features(),
            "graph": _graph(
                [
                    _node("start", 80, {"type": "start", "title": "Start", "variables": []}),
                    _node("retrieval", 380, retrieval),
                    _node("llm", 680, llm),
                    _node("answer", 980, {"type": "answer", "title": "Answer", "answer": answer}),
                ],
                [
                    _edge("start", "start", "retrieval", "knowledge-retrieval"),
                    _edge("retrieval", "knowledge-retrieval", "llm", "llm"),
                    _edge("llm", "llm", "answer", "answer"),
                ],
            ),
        },
    }


def http_workflow_app(
    name: str = "Order Lookup", *, api_key: str = TARGET_API_KEY, url: str = "https://orders.test"
) -> dict[str, Any]:
    """A workflow whose http-request node has an API key typed into it."""
    data = workflow_app(name)
    http = {
        "type": "http-request",
        "title": "Fetch order",
        "desc": "",
        "method": "get",
        "url": url + "/orders",
        "authorization": {"type": "api-key", "config": {"type": "bearer", "api_key": api_key}},
        "headers": "",
        "params": "",
        "body": {"type": "none", "data": []},
        "timeout": {"max_connect_timeout": 0, "max_read_timeout": 0, "max_write_timeout": 0},
    }
    data["workflow"]["graph"]["nodes"].append(_node("http", 980, http))
    return data


def chat_app(
    name: str = "Front Desk",
    *,
    mode: str = "chat",
    pre_prompt: str = "You are the front desk of a small hotel.",
    dataset_id: str | None = None,
) -> dict[str, Any]:
    """A basic chat-style app (chat, agent-chat or completion): `model_config`, no graph."""
    datasets = [{"dataset": {"enabled": True, "id": dataset_id}}] if dataset_id else []
    return {
        "app": {
            "name": name,
            "mode": mode,
            "icon": "🛎️",
            "icon_background": "#FFEAD5",
            "description": "",
            "use_icon_as_answer_icon": False,
        },
        "kind": "app",
        "version": "0.3.0",
        "model_config": {
            "model": {
                "provider": "langgenius/openai/openai",
                "name": "gpt-4o-mini",
                "mode": "chat",
                "completion_params": {"temperature": 0.7},
            },
            "pre_prompt": pre_prompt,
            "prompt_type": "simple",
            "opening_statement": "Hello!",
            "suggested_questions": [],
            "user_input_form": [],
            "dataset_configs": {"retrieval_model": "multiple", "datasets": {"datasets": datasets}},
            "agent_mode": {"enabled": mode == "agent-chat", "tools": []},
        },
    }


def nodes_by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The graph's nodes of a builder's dict, by id (to edit one in place)."""
    return {node["id"]: node for node in data["workflow"]["graph"]["nodes"]}


def tool_workflow_app(
    name: str = "Web Researcher", *, credential_id: str | None = None
) -> dict[str, Any]:
    """A workflow whose llm is preceded by a builtin search tool (with a credential when
    exported with secrets)."""
    data = workflow_app(name)
    tool: dict[str, Any] = {
        "type": "tool",
        "title": "Search",
        "desc": "",
        "provider_id": "langgenius/tavily/tavily",
        "provider_type": "builtin",
        "provider_name": "langgenius/tavily/tavily",
        "tool_name": "tavily_search",
        "tool_label": "Tavily Search",
        "tool_parameters": {"query": {"type": "mixed", "value": "{{#start.ticket#}}"}},
        "tool_configurations": {"max_results": 5},
    }
    if credential_id is not None:
        tool["credential_id"] = credential_id
    data["workflow"]["graph"]["nodes"].append(_node("search", 230, tool))
    return data
