"""`/account` and `/account/sessions`."""

from __future__ import annotations

from pydantic import Field

from dify_client.models._base import ResponseModel


class AccountInfo(ResponseModel):
    id: str
    email: str
    name: str


class WorkspaceRef(ResponseModel):
    """A membership as listed on the account and in the device-flow token payload."""

    id: str
    name: str
    role: str


class Account(ResponseModel):
    subject_type: str
    subject_email: str | None = None
    subject_issuer: str | None = None
    account: AccountInfo | None = None
    workspaces: list[WorkspaceRef] = Field(default_factory=list)
    default_workspace_id: str | None = None


class Session(ResponseModel):
    """One live bearer token of the caller (`SessionRow`); `prefix` is the token kind."""

    id: str
    prefix: str
    client_id: str
    device_label: str
    created_at: str | None = None
    last_used_at: str | None = None
    expires_at: str | None = None


class RevokeResponse(ResponseModel):
    status: str
