"""run_app_model: chat, agent-chat and completion apps, which have no graph.

The answer comes from a script for the app (node id "" and node type = the mode) or
echoes the rendered pre_prompt and the query; it streams as `message` chunks
(`agent_message` with an `agent_thought` before and after for agent-chat) and ends with
`message_end` carrying `metadata.usage`. Errors are outcomes: the runtime layer sends
them as an SSE `error` event, as Dify does for these modes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from emulator.backend.execution.chunks import split_chunks
from emulator.backend.execution.contracts import RunContext, RunOutcome, ScriptQuery
from emulator.backend.execution.nodes.base import STOPPED_REASON, count_tokens, usage
from emulator.backend.execution.pool import as_text

APP_MODEL_MODES = frozenset({"chat", "agent-chat", "completion"})
_PLACEHOLDER = re.compile(r"\{\{([a-zA-Z_][a-zA-Z0-9_]{0,29})\}\}")


def render_pre_prompt(pre_prompt: str, inputs: dict[str, Any]) -> str:
    """Simple-mode prompts use `{{name}}` for the app's input form variables."""
    return _PLACEHOLDER.sub(lambda match: as_text(inputs.get(match.group(1))), pre_prompt)


def run_app_model(
    mode: str,
    model_config: dict[str, Any],
    *,
    inputs: dict[str, Any],
    query: str | None,
    ctx: RunContext,
    app_id: str = "",
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> RunOutcome:
    if mode not in APP_MODEL_MODES:
        return RunOutcome("failed", {}, None, f"Invalid app mode: {mode}", 0, 0)
    pre_prompt = render_pre_prompt(str(model_config.get("pre_prompt") or ""), inputs)
    prompt = "\n".join(part for part in (pre_prompt, query or "") if part)
    started = ctx.now()
    response = ctx.script(ScriptQuery(app_id, "", mode, mode, prompt))
    if response is not None and response.error:
        return RunOutcome("failed", {}, None, response.error, 0, 0)
    answer = response.text if response and response.text is not None else prompt
    prompt_tokens = count_tokens(prompt)
    completion_tokens = (
        response.tokens if response and response.tokens is not None else count_tokens(answer)
    )
    agent = mode == "agent-chat"
    thought_id = new_id()
    if agent:
        _thought(ctx, thought_id, "")
    status, sent = "succeeded", []
    for chunk in split_chunks(answer):
        if ctx.stopped():
            status = "stopped"
            break
        ctx.emit(
            "agent_message" if agent else "message", {"answer": chunk, "created_at": int(started)}
        )
        sent.append(chunk)
    if agent:
        _thought(ctx, thought_id, "".join(sent))
    latency = max(ctx.now() - started, float(response.delay_s or 0) if response else 0.0)
    ctx.emit(
        "message_end",
        {
            "metadata": {
                "usage": usage(prompt_tokens, completion_tokens, latency),
                "retriever_resources": [],
            },
            "files": [],
        },
    )
    text = "".join(sent)
    return RunOutcome(
        status,
        {"answer": text},
        text,
        STOPPED_REASON if status == "stopped" else None,
        prompt_tokens + completion_tokens,
        0,
    )


def _thought(ctx: RunContext, thought_id: str, thought: str) -> None:
    ctx.emit(
        "agent_thought",
        {
            "id": thought_id,
            "position": 1,
            "thought": thought,
            "observation": "",
            "tool": "",
            "tool_labels": {},
            "tool_input": "",
            "message_files": [],
            "created_at": int(ctx.now()),
        },
    )
