"""Identifiers as Dify reads them."""

from __future__ import annotations

import uuid


def is_uuid(value: str) -> bool:
    """Whether `value` is a UUID (app, workspace and member ids are), as opposed to a name."""
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True
