"""Running apps: the SSE events of a run, what a run came to, uploads and human-input forms.

Event payloads follow Dify's stream entities (`api/core/app/entities/task_entities.py`,
web `types/workflow.ts` for the human-input ones): every event is one JSON object with
`event`, `task_id` and, for workflow-based apps, `workflow_run_id` and a `data` object.
Unknown event names parse as a plain `RunEvent`: a newer server may add some.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError

from dify_client.models._base import ResponseModel


class RunEvent(ResponseModel):
    """One event of a run stream; `raw` is the whole JSON object as received."""

    event: str
    task_id: str | None = None
    workflow_run_id: str | None = None
    message_id: str | None = None
    conversation_id: str | None = None
    data: dict[str, Any] | None = Field(default=None, repr=False)
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    def field(self, name: str) -> Any:
        """`data[name]`, or None when the event has no data or no such field."""
        return (self.data or {}).get(name)

    def text_field(self, name: str) -> str | None:
        """`data[name]` as text, or None when absent."""
        value = (self.data or {}).get(name)
        return None if value is None else str(value)


class Ping(RunEvent):
    """A keep-alive (`event: ping`, about every 10 s); callers may skip it."""


class WorkflowStarted(RunEvent):
    pass


class WorkflowFinished(RunEvent):
    """`data` is Dify's WorkflowRunData: id, status, outputs, error, elapsed_time, …"""

    @property
    def status(self) -> str | None:
        value = self.field("status")
        return str(value) if value is not None else None


class WorkflowPaused(RunEvent):
    pass


class _NodeEvent(RunEvent):
    """Node-scoped events: `data.id` is the node execution id, unique per run of a node."""

    @property
    def execution_id(self) -> str | None:
        return self.text_field("id")

    @property
    def node_id(self) -> str | None:
        return self.text_field("node_id")

    @property
    def node_type(self) -> str | None:
        return self.text_field("node_type")

    @property
    def title(self) -> str | None:
        return self.text_field("title")


class NodeStarted(_NodeEvent):
    pass


class NodeFinished(_NodeEvent):
    pass


class NodeRetry(_NodeEvent):
    pass


class IterationStarted(_NodeEvent):
    pass


class IterationNext(_NodeEvent):
    pass


class IterationCompleted(_NodeEvent):
    pass


class LoopStarted(_NodeEvent):
    pass


class LoopNext(_NodeEvent):
    pass


class LoopCompleted(_NodeEvent):
    pass


class TextChunk(RunEvent):
    @property
    def text(self) -> str:
        return str(self.field("text") or "")


class TextReplace(RunEvent):
    @property
    def text(self) -> str:
        return str(self.field("text") or "")


class MessageEvent(RunEvent):
    """A chunk of a chat or completion answer."""

    id: str | None = None
    answer: str = ""


class AgentMessage(MessageEvent):
    pass


class MessageReplace(RunEvent):
    answer: str = ""


class MessageFile(RunEvent):
    pass


class MessageEnd(RunEvent):
    """The end of a message; `metadata.usage` holds the token counts."""

    id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class AgentThought(RunEvent):
    id: str | None = None
    position: int | None = None
    thought: str | None = None
    observation: str | None = None
    tool: str | None = None
    tool_input: str | None = None


class AgentLog(RunEvent):
    pass


class TtsMessage(RunEvent):
    pass


class TtsMessageEnd(RunEvent):
    pass


class ErrorEvent(RunEvent):
    """An error after the stream started; the run is over."""

    status: int | None = None
    code: str | None = None
    message: str | None = None


class HumanInputRequired(RunEvent):
    """A human-input node waits on a form; `data.form_token` opens it."""

    @property
    def form_token(self) -> str | None:
        return self.text_field("form_token")


class HumanInputFormFilled(RunEvent):
    pass


class HumanInputFormTimeout(RunEvent):
    pass


EVENT_TYPES: dict[str, type[RunEvent]] = {
    "ping": Ping,
    "error": ErrorEvent,
    "workflow_started": WorkflowStarted,
    "workflow_finished": WorkflowFinished,
    "workflow_paused": WorkflowPaused,
    "node_started": NodeStarted,
    "node_finished": NodeFinished,
    "node_retry": NodeRetry,
    "iteration_started": IterationStarted,
    "iteration_next": IterationNext,
    "iteration_completed": IterationCompleted,
    "loop_started": LoopStarted,
    "loop_next": LoopNext,
    "loop_completed": LoopCompleted,
    "text_chunk": TextChunk,
    "text_replace": TextReplace,
    "message": MessageEvent,
    "agent_message": AgentMessage,
    "message_replace": MessageReplace,
    "message_file": MessageFile,
    "message_end": MessageEnd,
    "agent_thought": AgentThought,
    "agent_log": AgentLog,
    "tts_message": TtsMessage,
    "tts_message_end": TtsMessageEnd,
    "human_input_required": HumanInputRequired,
    "human_input_form_filled": HumanInputFormFilled,
    "human_input_form_timeout": HumanInputFormTimeout,
}


def parse_event(payload: dict[str, Any]) -> RunEvent:
    """The typed event for a decoded SSE payload; unknown names give a plain RunEvent.

    A known name whose fields do not have the expected types also degrades to a plain
    RunEvent instead of failing the whole stream; only a payload without a string
    `event` is refused (pydantic's ValidationError).
    """
    body = {**payload, "raw": payload}
    model = EVENT_TYPES.get(str(payload.get("event")), RunEvent)
    if model is not RunEvent:
        try:
            return model.model_validate(body)
        except ValidationError:
            pass
    return RunEvent.model_validate(body)


class NodeTrail(ResponseModel):
    """One node execution of a run, as its node_started/node_finished events told it."""

    node_id: str | None = None
    node_type: str | None = None
    title: str | None = None
    status: str = "running"
    elapsed_time: float | None = None
    error: str | None = None


class RunResult(ResponseModel):
    """What a run came to, gathered from its events.

    `status`: succeeded | failed | stopped | paused | partial-succeeded (a chat-like app's
    run succeeded when its message ended). `form_token` is set when the run paused on a
    human-input form.
    """

    status: str
    outputs: dict[str, Any] = Field(default_factory=dict)
    answer: str | None = None
    conversation_id: str | None = None
    run_id: str | None = None
    task_id: str | None = None
    message_id: str | None = None
    total_tokens: int | None = None
    usage: dict[str, Any] | None = None
    elapsed_time: float | None = None
    nodes: list[NodeTrail] = Field(default_factory=list)
    error: str | None = None
    form_token: str | None = Field(default=None, repr=False)

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


# Dify's document extensions (`graphon.file` / DOCUMENT_EXTENSIONS); other files that are
# not images, audio or video are "custom", which normal file variables refuse.
_DOCUMENT_EXTENSIONS = frozenset(
    {
        "txt",
        "markdown",
        "md",
        "mdx",
        "pdf",
        "html",
        "htm",
        "xlsx",
        "xls",
        "vtt",
        "properties",
        "doc",
        "docx",
        "csv",
        "eml",
        "msg",
        "pptx",
        "ppt",
        "xml",
        "epub",
    }
)


class UploadedFile(ResponseModel):
    """`POST /apps/{id}/files/upload` (201): the stored file; `id` goes into run inputs."""

    id: str
    name: str | None = None
    size: int | None = None
    extension: str | None = None
    mime_type: str | None = None
    created_by: str | None = None
    created_at: int | None = None
    preview_url: str | None = None
    source_url: str | None = None
    original_url: str | None = None
    user_id: str | None = None
    tenant_id: str | None = None
    conversation_id: str | None = None
    file_key: str | None = None

    @property
    def file_type(self) -> str:
        """Dify's file type for this file: image, audio, video, document or custom."""
        mime = (self.mime_type or "").lower()
        for kind in ("image", "audio", "video"):
            if mime.startswith(kind + "/"):
                return kind
        extension = (self.extension or "").lower().lstrip(".")
        return "document" if extension in _DOCUMENT_EXTENSIONS else "custom"

    def to_input(self) -> dict[str, Any]:
        """The file reference a run takes (in `inputs[NAME]` or `files`)."""
        return {"type": self.file_type, "transfer_method": "local_file", "upload_file_id": self.id}


class HumanInputForm(ResponseModel):
    """`GET /apps/{id}/form/human_input/{token}`: the form a paused run waits on."""

    form_content: str = ""
    inputs: list[dict[str, Any]] = Field(default_factory=list)
    resolved_default_values: dict[str, str] = Field(default_factory=dict)
    user_actions: list[dict[str, Any]] = Field(default_factory=list)
    expiration_time: int | None = None


__all__ = [
    "EVENT_TYPES",
    "AgentLog",
    "AgentMessage",
    "AgentThought",
    "ErrorEvent",
    "HumanInputForm",
    "HumanInputFormFilled",
    "HumanInputFormTimeout",
    "HumanInputRequired",
    "IterationCompleted",
    "IterationNext",
    "IterationStarted",
    "LoopCompleted",
    "LoopNext",
    "LoopStarted",
    "MessageEnd",
    "MessageEvent",
    "MessageFile",
    "MessageReplace",
    "NodeFinished",
    "NodeRetry",
    "NodeStarted",
    "NodeTrail",
    "Ping",
    "RunEvent",
    "RunResult",
    "TextChunk",
    "TextReplace",
    "TtsMessage",
    "TtsMessageEnd",
    "UploadedFile",
    "WorkflowFinished",
    "WorkflowPaused",
    "WorkflowStarted",
    "parse_event",
]
