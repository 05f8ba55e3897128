"""Base classes for wire models.

Responses tolerate fields they do not know (a newer server may add some); requests are
strict so a typo in a parameter fails here, not as a 422 from the server.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
