"""Release ops of the S3 API: publish, versions, restore, release check.

Shapes from Dify's `api/controllers/openapi/_models.py` (PublishResponse, VersionRow,
RestoreResponse, ReleaseCheckRow, ReleaseState, ReleaseCheckResponse, DslIssueRow, Hint)
and `api/services/workflow/graph_diff.py` (WorkflowDiff, NodeChange).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from dify_client.models._base import ResponseModel
from dify_client.models.dsl import DslIssue

MARKED_NAME_MAX = 20
MARKED_COMMENT_MAX = 100


class Hint(ResponseModel):
    """A next step the server suggests: an op id and its ready-to-send input."""

    summary: str
    op: str
    input: dict[str, Any] = Field(default_factory=dict)
    form: list[dict[str, Any]] | None = None


class PublishedVersion(ResponseModel):
    """`publish.console_app`: the new live version; `created_at` is a Unix timestamp."""

    version_id: str
    created_at: int
    warning: str | None = None


class AppVersion(ResponseModel):
    """One published version (`VersionRow`); `current` marks the one the app runs."""

    id: str
    marked_name: str = ""
    marked_comment: str = ""
    created_by: str | None = None
    created_at: int
    current: bool = False


class RestoredDraft(ResponseModel):
    """`restore.console_app.version`: the draft now holds the version; nothing went live."""

    result: str
    draft_hash: str


class ReleaseCheckRow(ResponseModel):
    name: str  # draft_valid | tested
    passed: bool
    detail: str


class ReleaseState(ResponseModel):
    service_api_enabled: bool
    webapp_enabled: bool


class NodeChange(ResponseModel):
    id: str
    type: str
    title: str
    fields: list[str] = Field(default_factory=list)


class DraftChanges(ResponseModel):
    """What the draft changes against the live version (`WorkflowDiff`)."""

    published: bool
    nodes_added: list[NodeChange] = Field(default_factory=list)
    nodes_removed: list[NodeChange] = Field(default_factory=list)
    nodes_changed: list[NodeChange] = Field(default_factory=list)
    edges_added: list[str] = Field(default_factory=list)
    edges_removed: list[str] = Field(default_factory=list)
    features_changed: bool = False
    env_added: list[str] = Field(default_factory=list)
    env_removed: list[str] = Field(default_factory=list)


class ReleaseCheck(ResponseModel):
    """`check.console_app.release`: `ready` when every check passed."""

    ready: bool
    checks: list[ReleaseCheckRow]
    issues: list[DslIssue] = Field(default_factory=list)
    state: ReleaseState
    changes: DraftChanges
    hints: list[Hint] = Field(default_factory=list)

    def check(self, name: str) -> ReleaseCheckRow | None:
        return next((c for c in self.checks if c.name == name), None)
