"""Dify's canonical error body (contract §1.4)."""

from __future__ import annotations

from pydantic import Field

from dify_client.models._base import ResponseModel


class ErrorDetail(ResponseModel):
    type: str
    loc: list[str | int] = Field(default_factory=list)
    msg: str


class ErrorBody(ResponseModel):
    code: str
    message: str
    status: int
    hint: str | None = None
    details: list[ErrorDetail] = Field(default_factory=list)
