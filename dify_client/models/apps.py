"""`/apps`, describe, and `/permitted-external-apps`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from dify_client.models._base import ResponseModel


class AppMode(StrEnum):
    WORKFLOW = "workflow"
    ADVANCED_CHAT = "advanced-chat"
    CHAT = "chat"
    AGENT_CHAT = "agent-chat"
    COMPLETION = "completion"
    AGENT = "agent"
    CHANNEL = "channel"
    RAG_PIPELINE = "rag-pipeline"


# Import can overwrite an existing app only in these modes (contract §3.1).
OVERWRITABLE_MODES = frozenset({AppMode.WORKFLOW, AppMode.ADVANCED_CHAT})


class Tag(ResponseModel):
    name: str


class App(ResponseModel):
    """A row of `GET /apps` (`AppListRow`). `updated_at` is ISO without a zone, as sent."""

    id: str
    name: str
    mode: str
    description: str | None = None
    updated_at: str | None = None
    workspace_id: str | None = None
    workspace_name: str | None = None
    tags: list[Tag] = Field(default_factory=list)
    created_by_name: str | None = None


class AppInfo(ResponseModel):
    id: str
    name: str
    mode: str
    service_api_enabled: bool
    description: str | None = None
    updated_at: str | None = None
    is_agent: bool | None = None
    author: str | None = None
    tags: list[Tag] = Field(default_factory=list)


class AppDescription(ResponseModel):
    """`GET /apps/{id}/describe`: blocks not asked for through `fields` are None."""

    info: AppInfo | None = None
    parameters: dict[str, Any] | None = None
    input_schema: dict[str, Any] | None = None
