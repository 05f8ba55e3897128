"""`/workspaces`, its members, and the member mutations."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import SecretStr, field_validator

from dify_client.models._base import RequestModel, ResponseModel

# The only roles the OpenAPI can assign; owner, editor and dataset_operator exist but are
# console-only (contract §2.7).
AssignableRole = Literal["normal", "admin"]


class Workspace(ResponseModel):
    id: str
    name: str
    role: str
    status: str
    current: bool


class WorkspaceDetail(Workspace):
    created_at: str | None = None


class Member(ResponseModel):
    id: str
    name: str
    email: str
    role: str
    # The account status: active, pending (invited, not yet accepted), uninitialized,
    # banned or closed.
    status: str
    avatar: str | None = None


# Deliberately looser than RFC 5322 and than email-validator (which refuses reserved
# domains such as example.com): the server is the judge; this only catches typos early.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class MemberInviteParams(RequestModel):
    email: str
    role: AssignableRole

    @field_validator("email")
    @classmethod
    def _looks_like_an_email(cls, value: str) -> str:
        value = value.strip()
        if not _EMAIL.match(value):
            raise ValueError(f"not an email address: {value!r}")
        return value


class MemberRoleParams(RequestModel):
    role: AssignableRole


class MemberInvite(ResponseModel):
    """An invitation; `invite_url` carries a secret token and is kept out of reprs."""

    result: str = "success"
    email: str
    role: str
    member_id: str
    invite_url: SecretStr
    tenant_id: str


class MemberActionResult(ResponseModel):
    result: str = "success"
