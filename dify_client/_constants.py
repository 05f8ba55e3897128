"""Defaults for the HTTP layer, in one place so they are easy to find and to test against."""

from __future__ import annotations

API_PREFIX = "/openapi/v1"
DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_CONNECT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_RETRIES = 3
INITIAL_RETRY_DELAY_SECONDS = 0.5
MAX_RETRY_DELAY_SECONDS = 8.0
# A server asking us to wait longer than this is treated as "give up now": the caller
# (a nightly flow, a person at a terminal) is better placed to decide than a silent sleep.
MAX_RETRY_AFTER_SECONDS = 60.0
# Dify caps every `limit` at 200 (contract §1.5); bulk readers use the maximum so a
# workspace costs as few calls as possible under the 60 requests/minute token limit.
MAX_PAGE_LIMIT = 200
DEFAULT_CLIENT_ID = "difyctl"
