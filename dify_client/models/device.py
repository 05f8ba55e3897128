"""The OAuth 2.0 device authorization grant as Dify runs it (contract §2.6)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from dify_client.models._base import RequestModel, ResponseModel
from dify_client.models.account import AccountInfo, WorkspaceRef


class DeviceCodeParams(RequestModel):
    client_id: str
    device_label: str


class DeviceCode(ResponseModel):
    # The device code is the poller's secret: whoever holds it collects the token.
    device_code: SecretStr
    user_code: str
    verification_uri: str
    expires_in: int
    interval: int


class DevicePollParams(RequestModel):
    device_code: str
    client_id: str


class DeviceToken(ResponseModel):
    token: SecretStr
    subject_type: str
    expires_at: str | None = None
    token_id: str | None = None
    account: AccountInfo | None = None
    workspaces: list[WorkspaceRef] = Field(default_factory=list)
    default_workspace_id: str | None = None
    subject_email: str | None = None
    subject_issuer: str | None = None


class DeviceLookup(ResponseModel):
    valid: bool
    client_id: str | None = None
    expires_in_remaining: int | None = None


class DeviceDecision(ResponseModel):
    status: str
