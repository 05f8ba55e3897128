"""A stand-in for the executor of Interface B, driven by the run's inputs.

The runtime surface (tasks, streams, stop, forms, scripts) is tested against this
stub so its tests do not depend on how the real executor walks a graph. It emits a
`node_started`/`node_finished` pair per graph node and reacts to a few inputs:
`pause` (a human-input form, `pause_ttl` seconds, `no_recipient`), `spin` (run until
stopped), `fail` (an exception in the executor), `ask` (ask the scripts for node
`llm`; a scripted `error` fails the run, `text` is streamed as a text chunk).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FormRequest:
    form_token: str | None
    node_id: str
    node_title: str
    form_content: str
    inputs: list[dict[str, Any]]
    user_actions: list[dict[str, Any]]
    timeout_s: float
    recipient: str | None = "openapi"


@dataclass(frozen=True)
class FormSubmission:
    action: str
    inputs: dict[str, Any]


@dataclass(frozen=True)
class ScriptQuery:
    app_id: str
    node_id: str
    node_title: str
    node_type: str
    prompt: str


@dataclass(frozen=True)
class ScriptedResponse:
    outputs: dict[str, Any] | None = None
    text: str | None = None
    error: str | None = None
    tokens: int | None = None
    delay_s: float | None = None


@dataclass(frozen=True)
class RunOutcome:
    status: str
    outputs: dict[str, Any] = field(default_factory=dict)
    answer: str | None = None
    error: str | None = None
    total_tokens: int = 0
    total_steps: int = 0


ACTIONS = [{"id": "approve", "title": "Approve"}, {"id": "reject", "title": "Reject"}]


class FakeExecutor:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def form_submission(self, action: str, inputs: dict[str, Any]) -> FormSubmission:
        return FormSubmission(action=action, inputs=inputs)

    def scripted_response(self, fields: dict[str, Any]) -> ScriptedResponse:
        return ScriptedResponse(**fields)

    def run_workflow(
        self,
        graph: dict[str, Any],
        *,
        inputs: dict[str, Any],
        query: str | None,
        files: list[dict[str, Any]],
        conversation_id: str | None,
        ctx: Any,
    ) -> RunOutcome:
        self.calls.append({"graph": graph, "inputs": inputs, "query": query, "files": files})
        nodes = [n.get("id", "?") for n in graph.get("nodes", [])]
        ctx.emit("workflow_started", {"data": {}})  # the runtime must not repeat it
        for step, node_id in enumerate(nodes, start=1):
            ctx.emit("node_started", {"data": {"node_id": node_id, "index": step}})
            ctx.emit("node_finished", {"data": {"node_id": node_id, "status": "succeeded"}})
        return self._behave(inputs, ctx, steps=len(nodes), answer=None)

    def run_app_model(
        self,
        mode: str,
        model_config: dict[str, Any],
        *,
        inputs: dict[str, Any],
        query: str | None,
        ctx: Any,
    ) -> RunOutcome:
        self.calls.append({"mode": mode, "inputs": inputs, "query": query})
        ctx.emit("message", {"answer": f"echo: {query}"})
        return self._behave(inputs, ctx, steps=0, answer=f"echo: {query}")

    def _behave(self, inputs: dict[str, Any], ctx: Any, *, steps: int, answer: str | None) -> Any:
        if inputs.get("fail"):
            raise RuntimeError("the executor broke")
        while inputs.get("spin") and not ctx.stopped():
            time.sleep(0.002)
        if ctx.stopped():
            return RunOutcome("stopped", total_steps=steps, answer=answer)
        outputs: dict[str, Any] = {"echo": inputs.get("text")}
        if inputs.get("ask"):
            query = ScriptQuery("", "llm", "LLM", "llm", str(inputs["ask"]))
            scripted = ctx.script(query)
            if scripted is None:
                ctx.emit("text_chunk", {"text": str(inputs["ask"])})
            elif scripted.error:
                return RunOutcome("failed", error=scripted.error, total_steps=steps)
            else:
                ctx.emit("text_chunk", {"text": scripted.text})
                outputs["text"] = scripted.text
        if inputs.get("pause"):
            form = FormRequest(
                None, "review", "Review", "Please review", [], ACTIONS,
                float(inputs.get("pause_ttl", 3600)),
                None if inputs.get("no_recipient") else "openapi",
            )  # fmt: skip
            submission = ctx.wait_for_form(form)
            if submission is None:
                status = "stopped" if ctx.stopped() else "failed"
                return RunOutcome(status, error="form expired", total_steps=steps)
            outputs["action"] = submission.action
            outputs["form_inputs"] = submission.inputs
        return RunOutcome("succeeded", outputs, answer, None, 7, steps)
