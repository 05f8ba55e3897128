"""Small helpers shared by the backend services."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

TokenKind = Literal["account", "external_sso"]

ACCOUNT_PREFIX = "dfoa_"
EXTERNAL_SSO_PREFIX = "dfoe_"
PREFIX_BY_KIND: dict[TokenKind, str] = {
    "account": ACCOUNT_PREFIX,
    "external_sso": EXTERNAL_SSO_PREFIX,
}

MAX_PAGE_LIMIT = 200

# App modes the openapi "app face" lists and filters (Dify's SupportedAppType); every
# other stored mode (agent, rag-pipeline, channel) is hidden from listings.
LISTABLE_MODES = ("completion", "chat", "advanced-chat", "workflow", "agent-chat")
WORKFLOW_MODES = ("workflow", "advanced-chat")
MODEL_CONFIG_MODES = ("chat", "agent-chat", "completion")
CHAT_FAMILY = ("chat", "agent-chat", "advanced-chat")

ROLES = ("owner", "admin", "editor", "normal", "dataset_operator")
ASSIGNABLE_ROLES = ("normal", "admin")


def is_uuid(value: str | None) -> bool:
    if not value:
        return False
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def canonical_uuid(value: str | None) -> str | None:
    """The lower-case hyphenated form of a UUID-ish string (as Postgres reads a uuid
    column: any case, braces or no hyphens), or None when it is not a UUID."""
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        return None


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Page:
    """The `{page, limit, total, has_more, data}` envelope of contract §1.5."""

    page: int
    limit: int
    total: int
    data: Sequence[Any]

    @property
    def has_more(self) -> bool:
        return self.page * self.limit < self.total

    def to_json(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "limit": self.limit,
            "total": self.total,
            "has_more": self.has_more,
            "data": list(self.data),
        }


def slice_page(items: Sequence[Any], page: int, limit: int) -> Page:
    """In-memory pagination (members and sessions load every row, then slice — §1.5)."""
    start = (page - 1) * limit
    return Page(page=page, limit=limit, total=len(items), data=items[start : start + limit])
