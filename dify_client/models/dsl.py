"""DSL export, import, confirm and dependency checks."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import Field, model_validator

from dify_client.models._base import RequestModel, ResponseModel


class ImportStatus(StrEnum):
    COMPLETED = "completed"
    COMPLETED_WITH_WARNINGS = "completed-with-warnings"
    PENDING = "pending"
    FAILED = "failed"


class DslExport(ResponseModel):
    data: str


class ImportParams(RequestModel):
    mode: Literal["yaml-content", "yaml-url"]
    yaml_content: str | None = None
    yaml_url: str | None = None
    app_id: str | None = None
    name: str | None = None
    description: str | None = None
    icon_type: str | None = None
    icon: str | None = None
    icon_background: str | None = None

    @model_validator(mode="after")
    def _source_matches_mode(self) -> Self:
        if self.mode == "yaml-content" and not self.yaml_content:
            raise ValueError("yaml_content is required when mode is yaml-content")
        if self.mode == "yaml-url" and not self.yaml_url:
            raise ValueError("yaml_url is required when mode is yaml-url")
        return self


class Import(ResponseModel):
    """The result of an import or confirm; a `failed` one arrives with HTTP 400."""

    id: str
    # A plain str keeps an unknown future status parseable; compare with ImportStatus.
    status: str
    app_id: str | None = None
    app_mode: str | None = None
    current_dsl_version: str | None = None
    imported_dsl_version: str | None = None
    error: str | None = None

    @property
    def is_pending(self) -> bool:
        return self.status == ImportStatus.PENDING

    @property
    def is_failed(self) -> bool:
        return self.status == ImportStatus.FAILED

    @property
    def is_completed(self) -> bool:
        return self.status in (ImportStatus.COMPLETED, ImportStatus.COMPLETED_WITH_WARNINGS)


class PluginDependency(ResponseModel):
    type: str
    value: dict[str, Any] = Field(default_factory=dict)
    current_identifier: str | None = None

    @property
    def identifier(self) -> str:
        """The plugin's unique identifier, whichever source kind carries it."""
        for key in (
            "marketplace_plugin_unique_identifier",
            "plugin_unique_identifier",
            "github_plugin_unique_identifier",
        ):
            found = self.value.get(key)
            if isinstance(found, str) and found:
                return found
        repo = self.value.get("repo")
        return str(repo) if repo else "<unknown plugin>"

    @property
    def plugin(self) -> str:
        """`org/name` without version or hash, for display and matching."""
        return self.identifier.split("@", 1)[0].split(":", 1)[0]


class DependencyCheck(ResponseModel):
    leaked_dependencies: list[PluginDependency] = Field(default_factory=list)
