"""Draft environment variables of workflow and advanced-chat apps (S3 only).

Rows as Dify's `EnvVariableRow` (`api/controllers/openapi/_models.py`): a secret with a
value arrives as `encrypter.full_mask_token()` (twenty `*`), an empty one as empty.
"""

from __future__ import annotations

from typing import Any

from dify_client.models._base import ResponseModel

# `encrypter.full_mask_token()` in Dify's api/core/helper/encrypter.py; sending it back as
# the value of a stored secret keeps the stored value.
SECRET_MASK = "*" * 20
VALUE_TYPES = ("string", "number", "secret")
_REDACTED = "[redacted]"  # the marker `dify_client._http.REDACTED` (models stay HTTP-free)


class EnvVariable(ResponseModel):
    id: str
    name: str
    description: str = ""
    value_type: str
    value: Any = None

    @property
    def masked(self) -> bool:
        """Whether the server sent the secret mask instead of the value."""
        return isinstance(self.value, str) and self.value == SECRET_MASK

    def __repr_args__(self) -> Any:
        for key, value in super().__repr_args__():
            if key == "value" and self.value_type == "secret" and value:
                yield key, _REDACTED
            else:
                yield key, value


class EnvVariableList(ResponseModel):
    data: list[EnvVariable]
