"""Draft environment variables: `get|set|delete.console_app.env` (S3 servers only).

From Dify `api/controllers/openapi/app_workflow.py` (`AppEnvListApi`, `AppEnvItemApi`).
Variables are addressed by id, not name; a new id adds one. Sending
`SECRET_MASK` as the value of a stored secret keeps its value; the mask with another
type is 400 `secret_mask_not_secret`, for an id that is not a stored secret 400
`secret_mask_unknown_id`. On an S2 server every method raises UnsupportedOperationError.

A value passed to `set` is only ever in the request body: the client logs methods, paths
and redacted headers, never bodies, and no error raised here quotes it.
"""

from __future__ import annotations

import builtins
from typing import Any

from dify_client.models.env import VALUE_TYPES, EnvVariable, EnvVariableList
from dify_client.resources._base import Resource, segment


class EnvResource(Resource):
    def list(self, app_id: str) -> builtins.list[EnvVariable]:
        """The draft's environment variables; secrets with a value come back masked."""
        segment(app_id, "app_id")
        page = self._call("get.console_app.env", EnvVariableList, {"app_id": app_id})
        return page.data

    def set(
        self,
        app_id: str,
        env_id: str,
        *,
        name: str,
        value: Any,
        value_type: str = "string",
        description: str = "",
    ) -> None:
        """Add or replace the variable `env_id` of the draft; the others are left alone."""
        segment(app_id, "app_id")
        segment(env_id, "env_id")
        if value_type not in VALUE_TYPES:
            raise ValueError(f"value_type must be one of {VALUE_TYPES}, got {value_type!r}")
        if not isinstance(name, str) or not name:
            raise ValueError("name must be a non-empty string")
        body = {"name": name, "value_type": value_type, "value": value, "description": description}
        self._send("set.console_app.env", {"app_id": app_id, "env_id": env_id}, json_body=body)

    def delete(self, app_id: str, env_id: str) -> None:
        """Remove the variable `env_id` from the draft (404 `env_variable_not_found` if absent)."""
        segment(app_id, "app_id")
        segment(env_id, "env_id")
        self._send("delete.console_app.env", {"app_id": app_id, "env_id": env_id})
