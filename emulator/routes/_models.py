"""Query and body models of `/openapi/v1`, transcribed from the contract (not from any client).

Strict models (`extra="forbid"`, unknown keys → 422) for sessions, members,
permitted-external-apps, describe, import, invite and role change; lenient ones (unknown
keys ignored) for `GET /apps` and export. `limit` is 1..200 everywhere.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from emulator.backend.common import MAX_PAGE_LIMIT

ListableMode = Literal["completion", "chat", "advanced-chat", "workflow", "agent-chat"]
AssignableRole = Literal["normal", "admin"]
_DESCRIBE_FIELDS = frozenset({"info", "parameters", "input_schema"})


class SessionListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1)
    limit: int = Field(100, ge=1, le=MAX_PAGE_LIMIT)


class MemberListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1)
    limit: int = Field(20, ge=1, le=MAX_PAGE_LIMIT)


class AppListQuery(BaseModel):
    """Lenient: unknown query keys are ignored (S2)."""

    workspace_id: str
    page: int = Field(1, ge=1)
    limit: int = Field(20, ge=1, le=MAX_PAGE_LIMIT)
    mode: ListableMode | None = None
    name: str | None = Field(None, max_length=200)
    tag: str | None = Field(None, max_length=100)


class PermittedExternalAppsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1)
    limit: int = Field(20, ge=1, le=MAX_PAGE_LIMIT)
    mode: ListableMode | None = None
    name: str | None = Field(None, max_length=200)


def _csv_string(schema: dict[str, Any]) -> None:
    schema.pop("anyOf", None)
    schema["type"] = "string"


class AppDescribeQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: frozenset[str] | None = Field(default=None, json_schema_extra=_csv_string)

    @field_validator("fields", mode="before")
    @classmethod
    def _parse_fields(cls, value: object) -> frozenset[str] | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ValueError("fields must be a comma-separated string")
        members = {m.strip() for m in value.split(",") if m.strip()}
        unknown = members - _DESCRIBE_FIELDS
        if unknown:
            raise ValueError(f"unknown field(s): {sorted(unknown)}")
        return frozenset(members)


class AppDslExportQuery(BaseModel):
    """Lenient; `workflow_id` must be a UUID when given."""

    include_secret: bool = False
    workflow_id: str | None = Field(
        None,
        pattern=r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$",
    )


class DslCheckPayload(BaseModel):
    """S3 `imports:check` body (Dify's `_models.DslCheckPayload`)."""

    model_config = ConfigDict(extra="forbid")

    yaml_content: str
    app_id: str | None = None


class AppDslImportPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["yaml-content", "yaml-url"]
    yaml_content: str | None = None
    yaml_url: str | None = None
    name: str | None = None
    description: str | None = None
    icon_type: str | None = None
    icon: str | None = None
    icon_background: str | None = None
    app_id: str | None = None

    @model_validator(mode="after")
    def _source_matches_mode(self) -> AppDslImportPayload:
        if self.mode == "yaml-content" and not self.yaml_content:
            raise ValueError("yaml_content is required when mode is 'yaml-content'")
        if self.mode == "yaml-url" and not self.yaml_url:
            raise ValueError("yaml_url is required when mode is 'yaml-url'")
        return self


class MemberInvitePayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    role: AssignableRole


class MemberRoleUpdatePayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: AssignableRole


# --- device flow (reqparse-style: JSON strings, required, extra keys ignored) ----------


class DeviceCodeRequest(BaseModel):
    client_id: str
    device_label: str


class DevicePollRequest(BaseModel):
    device_code: str
    client_id: str


class DeviceMutateRequest(BaseModel):
    user_code: str


class DeviceLookupQuery(BaseModel):
    user_code: str


class EnvVariableSetPayload(BaseModel):
    """`EnvVariableSetPayload` of Dify `api/controllers/openapi/_models.py` (S3 env set)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    value_type: Literal["string", "number", "secret"]
    value: Any
    description: str = ""
