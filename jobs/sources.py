"""Where a job gets its Dify server and token from, described without the token itself.

A `Source` is safe to pass as a flow or task parameter (Prefect records those): it names
a local profile, or a Prefect Secret block holding the token, or says "use DIFY_SERVER /
DIFY_TOKEN from the environment" — never the token.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

# A name or path that must say something: an unset Prefect variable renders as "", which
# would otherwise mean "the default" (or the worker's working directory) without a word.
Text = Annotated[str, Field(min_length=1, pattern=r"\S")]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: Text | None = Field(
        default=None, description="A difyops profile on this machine (see `difyops auth status`)."
    )
    server: Text | None = Field(default=None, description="Dify base URL; needed with token_block.")
    token_block: Text | None = Field(
        default=None, description="Name of a Prefect Secret block holding the bearer token."
    )
    workspaces: list[Text] = Field(
        default_factory=list, description="Workspace ids or exact names; empty means all."
    )

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> Source:
        if self.token_block and self.profile:
            raise ValueError("give either a profile or a token_block, not both")
        if self.token_block and not self.server:
            raise ValueError("a token_block needs the server URL too")
        return self

    def describe(self) -> str:
        if self.token_block:
            return f"{self.server} (Secret block {self.token_block!r})"
        if self.profile:
            return f"profile {self.profile!r}"
        return "DIFY_SERVER/DIFY_TOKEN or the default profile"
