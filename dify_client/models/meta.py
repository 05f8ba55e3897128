"""Probe endpoints: `/_health` and `/_version` (no auth)."""

from __future__ import annotations

from dify_client.models._base import ResponseModel


class HealthResponse(ResponseModel):
    ok: bool


class ServerVersion(ResponseModel):
    version: str
    edition: str
