"""Typed rows returned by the repositories (plain data, no behaviour)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AccountRow:
    id: str
    email: str
    name: str
    password_hash: str | None
    status: str
    avatar: str | None
    created_at: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> AccountRow:
        return cls(
            id=row["id"],
            email=row["email"],
            name=row["name"],
            password_hash=row["password_hash"],
            status=row["status"],
            avatar=row["avatar"],
            created_at=row["created_at"],
        )


@dataclass(frozen=True)
class WorkspaceRow:
    id: str
    name: str
    status: str
    created_at: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> WorkspaceRow:
        return cls(
            id=row["id"], name=row["name"], status=row["status"], created_at=row["created_at"]
        )


@dataclass(frozen=True)
class MembershipRow:
    workspace: WorkspaceRow
    account_id: str
    role: str
    current: bool
    created_at: float


@dataclass(frozen=True)
class MemberRow:
    account: AccountRow
    role: str


@dataclass(frozen=True)
class ConsoleSessionRow:
    id: str
    account_id: str
    csrf_token: str
    created_at: float
    expires_at: float


@dataclass(frozen=True)
class TokenRow:
    id: str
    token_hash: str | None
    prefix: str
    account_id: str | None
    subject_email: str
    subject_issuer: str | None
    client_id: str
    device_label: str
    created_at: float
    last_used_at: float | None
    expires_at: float
    revoked_at: float | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> TokenRow:
        return cls(**{key: row[key] for key in row.keys()})  # noqa: SIM118 - sqlite3.Row


@dataclass(frozen=True)
class DeviceCodeRow:
    device_code: str
    user_code: str
    client_id: str
    device_label: str
    status: str
    created_at: float
    expires_at: float
    approved_at: float | None
    token_id: str | None
    poll_payload: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> DeviceCodeRow:
        payload = row["poll_payload"]
        return cls(
            device_code=row["device_code"],
            user_code=row["user_code"],
            client_id=row["client_id"],
            device_label=row["device_label"],
            status=row["status"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            approved_at=row["approved_at"],
            token_id=row["token_id"],
            poll_payload=json.loads(payload) if payload else None,
        )


@dataclass(frozen=True)
class AppRow:
    id: str
    workspace_id: str
    mode: str
    name: str
    description: str | None
    icon_type: str | None
    icon: str | None
    icon_background: str | None
    use_icon_as_answer_icon: bool
    enable_site: bool
    enable_api: bool
    status: str
    access_mode: str
    tags: list[str]
    config: dict[str, Any]
    dependencies: list[Any]
    created_by: str | None
    created_at: float
    updated_at: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> AppRow:
        return cls(
            id=row["id"],
            workspace_id=row["workspace_id"],
            mode=row["mode"],
            name=row["name"],
            description=row["description"],
            icon_type=row["icon_type"],
            icon=row["icon"],
            icon_background=row["icon_background"],
            use_icon_as_answer_icon=bool(row["use_icon_as_answer_icon"]),
            enable_site=bool(row["enable_site"]),
            enable_api=bool(row["enable_api"]),
            status=row["status"],
            access_mode=row["access_mode"],
            tags=json.loads(row["tags"]),
            config=json.loads(row["config"]),
            dependencies=json.loads(row["dependencies"]),
            created_by=row["created_by"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@dataclass(frozen=True)
class WorkflowRow:
    id: str
    app_id: str
    version: str
    graph: dict[str, Any]
    features: dict[str, Any]
    environment_variables: list[Any]
    conversation_variables: list[Any]
    rag_pipeline_variables: list[Any] = field(default_factory=list)
    created_at: float = 0.0
    updated_at: float = 0.0
    marked_name: str = ""
    marked_comment: str = ""
    created_by: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> WorkflowRow:
        return cls(
            id=row["id"],
            app_id=row["app_id"],
            version=row["version"],
            graph=json.loads(row["graph"]),
            features=json.loads(row["features"]),
            environment_variables=json.loads(row["environment_variables"]),
            conversation_variables=json.loads(row["conversation_variables"]),
            rag_pipeline_variables=json.loads(row["rag_pipeline_variables"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            marked_name=row["marked_name"],
            marked_comment=row["marked_comment"],
            created_by=row["created_by"],
        )


@dataclass(frozen=True)
class PendingImportRow:
    id: str
    workspace_id: str
    account_id: str
    payload: dict[str, Any]
    expires_at: float
