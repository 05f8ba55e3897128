"""human-input: render the form, announce the pause, wait, continue along the action.

Dify's node (`nodes/human_input/human_input_node.py`): the form content has `{{#…#}}`
resolved (the `{{#$output.…#}}` fields stay for the form), input placeholders that point
at variables are resolved, and after a submission the outputs are the form data plus
`action_id` / `__action_id`, with the chosen action id as the edge's source handle.
"""

from __future__ import annotations

from typing import Any

from emulator.backend.execution.contracts import FormRequest
from emulator.backend.execution.graph import Node
from emulator.backend.execution.nodes.base import (
    STOPPED_REASON,
    NodeEnv,
    NodeFailed,
    NodeResult,
    RunHalted,
)

EXPIRED_REASON = "Human input form expired"
_UNIT_SECONDS = {"hour": 3600, "day": 86400}


def _resolved_defaults(node: Node, env: NodeEnv) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for form_input in node.data.get("inputs") or []:
        placeholder = form_input.get("placeholder") if isinstance(form_input, dict) else None
        if not isinstance(placeholder, dict) or placeholder.get("type") != "variable":
            continue
        value = env.pool.get(placeholder.get("selector"))
        if value is not None:
            values[str(form_input.get("output_variable_name"))] = value
    return values


def _form(node: Node, env: NodeEnv) -> FormRequest:
    data = node.data
    timeout = int(data.get("timeout") or 36)
    unit = _UNIT_SECONDS.get(str(data.get("timeout_unit") or "hour"), 3600)
    return FormRequest(
        form_token=env.state.new_id(),
        form_id=env.state.new_id(),
        node_id=node.id,
        node_title=node.title,
        form_content=env.pool.render(str(data.get("form_content") or "")),
        inputs=[dict(item) for item in data.get("inputs") or [] if isinstance(item, dict)],
        user_actions=[
            dict(item) for item in data.get("user_actions") or [] if isinstance(item, dict)
        ],
        resolved_default_values=_resolved_defaults(node, env),
        expiration_time=int(env.state.ctx.now() + timeout * unit),
    )


def _announce(form: FormRequest, env: NodeEnv) -> None:
    state = env.state
    state.ctx.emit(
        "human_input_required",
        {
            "data": {
                "form_id": form.form_id,
                "node_id": form.node_id,
                "node_title": form.node_title,
                "form_content": form.form_content,
                "inputs": form.inputs,
                "actions": form.user_actions,
                "display_in_ui": True,
                "form_token": form.form_token,
                "resolved_default_values": form.resolved_default_values,
                "expiration_time": form.expiration_time,
            }
        },
    )
    now = state.ctx.now()
    state.ctx.emit(
        "workflow_paused",
        {
            "data": {
                "workflow_run_id": state.run_id,
                "paused_nodes": [form.node_id],
                "outputs": dict(state.outputs),
                "reasons": [
                    {
                        "TYPE": "human_input_required",
                        "form_id": form.form_id,
                        "node_id": form.node_id,
                        "node_title": form.node_title,
                        "form_token": form.form_token,
                    }
                ],
                "status": "paused",
                "created_at": int(state.started_at),
                "elapsed_time": now - state.started_at,
                "total_tokens": state.tokens,
                "total_steps": state.steps,
            }
        },
    )


def run_human_input(node: Node, env: NodeEnv) -> NodeResult:
    form = _form(node, env)
    _announce(form, env)
    submission = env.state.ctx.wait_for_form(form)
    if submission is None:
        stopped = env.state.ctx.stopped()
        raise RunHalted("stopped", STOPPED_REASON if stopped else EXPIRED_REASON)
    action_ids = [str(action.get("id")) for action in form.user_actions]
    if submission.action not in action_ids:
        raise NodeFailed(f"Invalid action: {submission.action}")
    outputs = {
        **submission.inputs,
        "action_id": submission.action,
        "__action_id": submission.action,
    }
    return NodeResult(
        inputs={"form_content": form.form_content},
        outputs=outputs,
        handle=submission.action,
    )
