"""Nodes that only move values: start, end, answer, template-transform, aggregator."""

from __future__ import annotations

from typing import Any

from emulator.backend.execution.chunks import split_chunks
from emulator.backend.execution.graph import Node
from emulator.backend.execution.nodes.base import NodeEnv, NodeFailed, NodeResult, selector_inputs
from emulator.backend.execution.sandbox import TemplateFailed, render_jinja


def run_start(node: Node, env: NodeEnv) -> NodeResult:
    """The user's inputs, defaults filled, required ones checked (Dify's message)."""
    given = env.pool.namespace(node.id)
    values = dict(given)
    for variable in node.data.get("variables") or []:
        name = str(variable.get("variable") or "")
        if not name:
            continue
        value = given.get(name)
        if value in (None, "") and variable.get("required"):
            raise NodeFailed(f"{name} is required in input form", inputs=given)
        if value is None and variable.get("default") is not None:
            values[name] = variable["default"]
        values.setdefault(name, None)
    sys_values = {f"sys.{key}": value for key, value in env.pool.namespace("sys").items()}
    return NodeResult(inputs={**values, **sys_values}, outputs={**values, **sys_values})


def run_end(node: Node, env: NodeEnv) -> NodeResult:
    outputs = {
        str(item.get("variable")): env.pool.get(item.get("value_selector"))
        for item in node.data.get("outputs") or []
        if isinstance(item, dict) and item.get("variable")
    }
    if not env.state.chat and env.container is None:
        _stream_llm_text(node, env)
    env.state.outputs.update(outputs)
    return NodeResult(inputs=outputs, outputs=outputs)


def _stream_llm_text(node: Node, env: NodeEnv) -> None:
    """Workflow apps stream the end outputs that an LLM generates as `text_chunk`s."""
    graph = env.state.graph
    for item in node.data.get("outputs") or []:
        selector = item.get("value_selector") if isinstance(item, dict) else None
        if not selector or len(selector) < 2 or selector[1] != "text":
            continue
        source = graph.nodes.get(str(selector[0]))
        value = env.pool.get(selector)
        if source is None or source.type != "llm" or not isinstance(value, str):
            continue
        for chunk in split_chunks(value):
            env.state.ctx.emit(
                "text_chunk",
                {"data": {"text": chunk, "from_variable_selector": list(selector)}},
            )


def run_answer(node: Node, env: NodeEnv) -> NodeResult:
    answer = env.pool.render(str(node.data.get("answer") or ""))
    if env.container is None:
        if env.state.chat:
            for chunk in split_chunks(answer):
                env.state.ctx.emit(
                    "message", {"answer": chunk, "created_at": env.state.created_at()}
                )
        env.state.answer_parts.append(answer)
    return NodeResult(outputs={"answer": answer, "files": []})


def run_template(node: Node, env: NodeEnv) -> NodeResult:
    variables = selector_inputs(node.data.get("variables"), env.pool)
    try:
        output = render_jinja(str(node.data.get("template") or ""), variables)
    except TemplateFailed as exc:
        raise NodeFailed(str(exc), inputs=variables) from exc
    return NodeResult(inputs=variables, outputs={"output": output})


def run_aggregator(node: Node, env: NodeEnv) -> NodeResult:
    """The first branch that produced a value wins, per group when groups are on."""
    settings = node.data.get("advanced_settings") or {}
    if isinstance(settings, dict) and settings.get("group_enabled"):
        outputs: dict[str, Any] = {}
        for group in settings.get("groups") or []:
            name = str(group.get("group_name") or "Group")
            outputs[name] = {"output": _first_value(group.get("variables"), env)}
        return NodeResult(outputs=outputs)
    return NodeResult(outputs={"output": _first_value(node.data.get("variables"), env)})


def _first_value(selectors: Any, env: NodeEnv) -> Any:
    for selector in selectors or []:
        value = env.pool.get(selector)
        if value is not None:
            return value
    return None
