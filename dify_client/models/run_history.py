"""Run history of workflow and advanced-chat apps (S3): runs, one run, its node steps.

Shapes from Dify's `api/fields/workflow_run_fields.py` (WorkflowRunForListResponse,
AdvancedChatWorkflowRunForListResponse, WorkflowRunDetailResponse,
WorkflowRunNodeExecutionResponse) and `api/controllers/openapi/_models.py`
(RunListResponse); times are Unix timestamps, `elapsed_time` seconds.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dify_client.models._base import ResponseModel

TRIGGERED_FROM = ("debugging", "app-run")  # Dify's WorkflowRunTriggeredFrom on this API
RUN_STATUSES = ("running", "succeeded", "failed", "stopped", "partial-succeeded")


class RunAccount(ResponseModel):
    """The account that started a run (`SimpleAccount`)."""

    id: str
    name: str | None = None
    email: str | None = None


class RunEndUser(ResponseModel):
    """The end user that started a run (`SimpleEndUser`)."""

    id: str
    type: str | None = None
    is_anonymous: bool | None = None
    session_id: str | None = None


class RunRecord(ResponseModel):
    """One row of the run history (`get.run`), newest first."""

    id: str
    version: str | None = None
    status: str | None = None
    elapsed_time: float | None = None
    total_tokens: int | None = None
    total_steps: int | None = None
    created_by_account: RunAccount | None = None
    created_at: int | None = None
    finished_at: int | None = None
    exceptions_count: int | None = None
    retry_index: int | None = None
    conversation_id: str | None = None  # advanced-chat apps
    message_id: str | None = None  # advanced-chat apps


class RunList(ResponseModel):
    """`get.run`'s page; `hints` name the next page's input when `has_more`."""

    limit: int
    has_more: bool
    data: list[RunRecord]
    hints: list[dict[str, Any]] = Field(default_factory=list)


class RunDetail(ResponseModel):
    """One run (`describe.run`): what it ran, with what, and what it came to."""

    id: str
    version: str | None = None
    graph: Any = None
    inputs: Any = None
    status: str | None = None
    outputs: Any = None
    error: str | None = None
    elapsed_time: float | None = None
    total_tokens: int | None = None
    total_steps: int | None = None
    created_by_role: str | None = None
    created_by_account: RunAccount | None = None
    created_by_end_user: RunEndUser | None = None
    created_at: int | None = None
    finished_at: int | None = None
    exceptions_count: int | None = None


class NodeStep(ResponseModel):
    """One node step of a run (`get.run.node`), to find the one that failed."""

    id: str
    index: int | None = None
    predecessor_node_id: str | None = None
    node_id: str | None = None
    node_type: str | None = None
    title: str | None = None
    inputs: Any = None
    process_data: Any = None
    outputs: Any = None
    status: str | None = None
    error: str | None = None
    elapsed_time: float | None = None
    execution_metadata: Any = None
    created_at: int | None = None
    finished_at: int | None = None


class NodeStepList(ResponseModel):
    data: list[NodeStep]
