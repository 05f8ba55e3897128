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


class DslIssue(ResponseModel):
    """One problem of a checked DSL, located by node and field (`loc`)."""

    code: str
    # error: the import refuses it; warning: the import allows it, publishing does not.
    severity: str
    node_id: str | None = None
    loc: list[str | int] = Field(default_factory=list)
    message: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def located(self) -> str:
        """`code at nodes.llm.data.model: message`, a line a person can act on."""
        where = ".".join(str(part) for part in self.loc)
        return (
            f"{self.code} at {where}: {self.message}" if where else f"{self.code}: {self.message}"
        )


class DslCheck(ResponseModel):
    """What the server makes of a DSL before importing it (Dify S3 `imports:check`)."""

    valid: bool
    issues: list[DslIssue] = Field(default_factory=list)

    @property
    def errors(self) -> list[DslIssue]:
        return [issue for issue in self.issues if issue.is_error]

    @property
    def warnings(self) -> list[DslIssue]:
        return [issue for issue in self.issues if not issue.is_error]


class DependencyCheck(ResponseModel):
    leaked_dependencies: list[PluginDependency] = Field(default_factory=list)
