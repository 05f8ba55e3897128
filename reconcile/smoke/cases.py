"""A smoke case: one run of an app and what its result must show. Pure.

Cases are written in YAML (a promotion manifest's `promotion.smoke:` or a standalone
`--smoke FILE`, see `reconcile.smoke.loader`), keyed by app name::

    Policy Helpdesk:
      - name: answers a refund question
        query: How do I get a refund?
        inputs: {locale: en}
        status: succeeded                  # the default
        answer: {contains: refund}
        max_elapsed_s: 20
      - name: summary has a title
        inputs: {ticket: "Printer on fire"}
        outputs_present: [summary]
        output:
          summary: {matches: "^Title: "}
        max_tokens: 2000

A matcher is a bare value (the output must equal it) or exactly one of `equals` (any
value), `contains` (text inside a string, an item of a list, a key of a mapping) or
`matches` (a Python regular expression searched in a string; compiled when the file is
read, so a bad pattern is reported at its line).
"""

from __future__ import annotations

import re
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

# What a run ends as (dify_client.models.RunResult.status).
RunStatus = Literal["succeeded", "failed", "stopped", "paused", "partial-succeeded"]
# What a promotion does with an app whose smoke cases failed.
SmokePolicy = Literal["rollback", "report"]

_MATCHER_KEYS = ("equals", "contains", "matches")


class Matcher(BaseModel):
    """Exactly one expectation on a value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    equals: Any = None
    contains: str | int | float | bool | None = None
    matches: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _exactly_one(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            # A bare value is the common case, written short: `summary: "Done"`.
            return {"equals": data}
        given = [key for key in _MATCHER_KEYS if key in data]
        if len(given) != 1 and not set(data) - set(_MATCHER_KEYS):
            raise ValueError("give exactly one of equals, contains or matches")
        return data

    @field_validator("matches")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return pattern

    @model_serializer(mode="wrap")
    def _only_the_given(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Written back as it was given (`{matches: "\\S"}`), so a saved plan reads back:
        # with all three keys it would be three expectations, which loading refuses.
        dumped: dict[str, Any] = handler(self)
        return {self.kind: dumped[self.kind]}

    @property
    def kind(self) -> str:
        return next(key for key in _MATCHER_KEYS if key in self.model_fields_set)

    def describe(self) -> str:
        """The expectation as a reader says it: `contains 'refund'`."""
        value = getattr(self, self.kind)
        verb = {"equals": "to equal", "contains": "to contain", "matches": "to match"}
        return f"{verb[self.kind]} {value!r}"


class SmokeCase(BaseModel):
    """A named run of an app (its inputs and query) and the expectations on its result."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    inputs: dict[str, Any] = Field(default_factory=dict)
    query: str | None = None
    status: RunStatus = "succeeded"
    outputs_present: list[str] = Field(default_factory=list)
    output: dict[str, Matcher] = Field(default_factory=dict)
    answer: Matcher | None = None
    max_elapsed_s: float | None = Field(default=None, gt=0)
    max_tokens: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _query_is_not_blank(self) -> Self:
        if self.query is not None and not self.query.strip():
            raise ValueError("`query` is blank: leave it out for workflow apps")
        return self


# App name → its cases, in the order written.
SmokeCases = dict[str, list[SmokeCase]]


def cases_for(cases: SmokeCases, *names: str) -> list[SmokeCase]:
    """The cases of the first of `names` that has any (a promotion looks an app up by its
    target name, then by its source name, as a mapping may rename it)."""
    return next((cases[name] for name in names if cases.get(name)), [])
