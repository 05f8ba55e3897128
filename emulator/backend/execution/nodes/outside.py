"""Nodes that would reach a model, a sandbox, the network or a dataset.

None of them does: each asks `ctx.script(...)` and, without a script, answers what an
untouched service would: llm echoes its rendered prompt, code returns its declared
outputs as zero values, http-request a 200 with an empty body, retrieval nothing, the
classifier its first class, the extractor its parameters' zero values.
"""

from __future__ import annotations

from typing import Any

from emulator.backend.execution.contracts import ScriptedResponse
from emulator.backend.execution.graph import Node
from emulator.backend.execution.nodes.base import (
    NodeEnv,
    NodeResult,
    count_tokens,
    selector_inputs,
    usage,
)
from emulator.backend.execution.pool import as_text, default_of
from emulator.backend.execution.sandbox import TemplateFailed, render_jinja


def _delay(response: ScriptedResponse | None) -> float:
    return float(response.delay_s or 0.0) if response else 0.0


def _scripted_outputs(response: ScriptedResponse | None) -> dict[str, Any]:
    return dict(response.outputs or {}) if response else {}


def _messages(node: Node, env: NodeEnv) -> list[dict[str, str]]:
    template = node.data.get("prompt_template")
    if isinstance(template, dict):  # completion models: one text
        template = [{"role": "user", **template}]
    messages = []
    for message in template or []:
        if not isinstance(message, dict):
            continue
        if message.get("edition_type") == "jinja2":
            variables = selector_inputs(
                (node.data.get("prompt_config") or {}).get("jinja2_variables"), env.pool
            )
            try:
                text = render_jinja(str(message.get("jinja2_text") or ""), variables)
            except TemplateFailed:
                text = str(message.get("jinja2_text") or "")
        else:
            text = env.pool.render(str(message.get("text") or ""))
        messages.append({"role": str(message.get("role") or "user"), "text": text})
    return messages


def run_llm(node: Node, env: NodeEnv) -> NodeResult:
    messages = _messages(node, env)
    memory = node.data.get("memory")
    if env.state.chat and isinstance(memory, dict):  # chat memory adds the user's query
        query = env.pool.render(str(memory.get("query_prompt_template") or "{{#sys.query#}}"))
        if query:
            messages.append({"role": "user", "text": query})
    prompt = "\n".join(message["text"] for message in messages if message["text"])
    response = env.ask(node, prompt)
    text = response.text if response and response.text is not None else prompt
    prompt_tokens = count_tokens(prompt)
    completion = response.tokens if response and response.tokens is not None else None
    completion_tokens = completion if completion is not None else count_tokens(text)
    model = node.data.get("model") or {}
    outputs = {
        "text": text,
        "reasoning_content": "",
        "usage": usage(prompt_tokens, completion_tokens, _delay(response)),
        "finish_reason": "stop",
        **_scripted_outputs(response),
    }
    return NodeResult(
        inputs={},
        outputs=outputs,
        process_data={
            "model_mode": model.get("mode", "chat"),
            "prompts": messages,
            "model_provider": model.get("provider", ""),
            "model_name": model.get("name", ""),
        },
        tokens=prompt_tokens + completion_tokens,
        delay_s=_delay(response),
    )


def run_code(node: Node, env: NodeEnv) -> NodeResult:
    inputs = selector_inputs(node.data.get("variables"), env.pool)
    response = env.ask(node, str(node.data.get("code") or ""))
    declared = node.data.get("outputs") or {}
    outputs = {
        str(name): default_of((spec or {}).get("type") if isinstance(spec, dict) else None)
        for name, spec in (declared.items() if isinstance(declared, dict) else [])
    }
    outputs.update(_scripted_outputs(response))
    return NodeResult(inputs=inputs, outputs=outputs, delay_s=_delay(response))


def run_http(node: Node, env: NodeEnv) -> NodeResult:
    method = str(node.data.get("method") or "get").upper()
    url = env.pool.render(str(node.data.get("url") or ""))
    response = env.ask(node, f"{method} {url}")
    outputs: dict[str, Any] = {"status_code": 200, "body": "", "headers": {}, "files": []}
    outputs.update(_scripted_outputs(response))
    if response and response.text is not None:
        outputs["body"] = response.text
    return NodeResult(
        inputs={},
        outputs=outputs,
        process_data={"request": f"{method} {url} HTTP/1.1\r\n\r\n"},
        delay_s=_delay(response),
    )


def run_retrieval(node: Node, env: NodeEnv) -> NodeResult:
    query = as_text(env.pool.get(node.data.get("query_variable_selector")))
    response = env.ask(node, query)
    outputs: dict[str, Any] = {"result": [], **_scripted_outputs(response)}
    return NodeResult(inputs={"query": query}, outputs=outputs, delay_s=_delay(response))


def run_classifier(node: Node, env: NodeEnv) -> NodeResult:
    query = as_text(env.pool.get(node.data.get("query_variable_selector")))
    classes = [item for item in node.data.get("classes") or [] if isinstance(item, dict)]
    if not classes:
        classes = [{"id": "1", "name": ""}]
    response = env.ask(node, query)
    wanted = _scripted_outputs(response).get("class_name")
    if wanted is None and response and response.text is not None:
        wanted = response.text
    chosen = next(
        (item for item in classes if wanted is not None and wanted in (item["name"], item["id"])),
        classes[0],
    )
    tokens = count_tokens(query)
    return NodeResult(
        inputs={"query": query},
        outputs={
            "class_name": chosen.get("name"),
            "class_id": chosen.get("id"),
            "usage": usage(tokens, 1, _delay(response)),
        },
        handle=str(chosen.get("id")),
        tokens=tokens + 1,
        delay_s=_delay(response),
    )


def run_extractor(node: Node, env: NodeEnv) -> NodeResult:
    query = as_text(env.pool.get(node.data.get("query")))
    response = env.ask(node, query)
    outputs: dict[str, Any] = {
        str(param.get("name")): default_of(param.get("type"))
        for param in node.data.get("parameters") or []
        if isinstance(param, dict) and param.get("name")
    }
    outputs.update(_scripted_outputs(response))
    outputs.setdefault("__is_success", 1)
    outputs.setdefault("__reason", None)
    return NodeResult(inputs={"query": query}, outputs=outputs, delay_s=_delay(response))


_DEFAULTS: dict[str, dict[str, Any]] = {
    "tool": {"text": "", "files": [], "json": []},
    "agent": {"text": "", "files": [], "json": []},
    "document-extractor": {"text": ""},
    "list-operator": {"result": [], "first_record": None, "last_record": None},
}


def run_other(node: Node, env: NodeEnv) -> NodeResult:
    """Tools, agents and node types the emulator does not model: scripted or empty."""
    response = env.ask(node, str(node.data.get("tool_name") or node.title))
    outputs = dict(_DEFAULTS.get(node.type, {}))
    outputs.update(_scripted_outputs(response))
    if response and response.text is not None:
        outputs["text"] = response.text
    return NodeResult(inputs={}, outputs=outputs, delay_s=_delay(response))
