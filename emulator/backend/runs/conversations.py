"""Conversations of chat runs: which app each belongs to, and its conversation variables.

Dify keeps an advanced-chat conversation's variables per conversation (the
`conversation_variables` table): the first run starts from the workflow's defaults, every
later run in the same conversation from the values the previous run left (assigner nodes).
The emulator keeps them as long as the instance (a reset forgets them).
"""

from __future__ import annotations

import threading
from typing import Any


class ConversationRegistry:
    def __init__(self) -> None:
        self._apps: dict[str, str] = {}  # conversation id → app id
        self._variables: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def open(self, conversation_id: str, app_id: str) -> None:
        with self._lock:
            self._apps.setdefault(conversation_id, app_id)

    def belongs_to(self, conversation_id: str, app_id: str) -> bool:
        with self._lock:
            return self._apps.get(conversation_id) == app_id

    def variables(self, conversation_id: str) -> dict[str, Any] | None:
        """The values the last run left; None before the conversation's first run ended."""
        with self._lock:
            found = self._variables.get(conversation_id)
            return None if found is None else dict(found)

    def keep_variables(self, conversation_id: str, values: dict[str, Any]) -> None:
        with self._lock:
            self._variables[conversation_id] = dict(values)

    def clear(self) -> None:
        with self._lock:
            self._apps.clear()
            self._variables.clear()
