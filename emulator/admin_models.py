"""Request bodies of the operator API (`/_emulator/…`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

AccountStatus = Literal["active", "pending", "uninitialized", "banned", "closed"]
Role = Literal["owner", "admin", "editor", "normal", "dataset_operator"]
WorkspaceStatus = Literal["normal", "archive"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountCreate(_Strict):
    email: str
    name: str | None = None
    password: str | None = None
    status: AccountStatus = "active"


class ExternalSubject(_Strict):
    email: str
    issuer: str


class TokenMint(_Strict):
    email: str | None = None
    client_id: str = "difyctl"
    device_label: str = "emulator-admin"
    ttl_seconds: float | None = Field(None, gt=0)
    external_sso: ExternalSubject | None = None


class DeviceDecision(_Strict):
    user_code: str
    email: str


class Reset(_Strict):
    seed: str | None = "demo"


class Bulk(_Strict):
    workspace_id: str
    apps: int = Field(0, ge=0, le=10_000)
    members: int = Field(0, ge=0, le=100_000)


class ClockAdvance(_Strict):
    advance_seconds: float = Field(ge=0)


class Plugins(_Strict):
    installed: list[str]


class WorkspaceCreate(_Strict):
    name: str
    owner_email: str
    status: WorkspaceStatus = "normal"


class WorkspaceUpdate(_Strict):
    name: str | None = None
    status: WorkspaceStatus | None = None


class MemberAdd(_Strict):
    email: str
    role: Role = "normal"


class AppEdit(_Strict):
    yaml: str | None = None
    name: str | None = None
    description: str | None = None
    enable_api: bool | None = None
    access_mode: str | None = None
    touch: bool = True
