"""Reading smoke cases strictly: every problem at once, each at ``file:line:column``.

Two places hold them, with the same case schema (reconcile.smoke.cases): a promotion
manifest's `promotion.smoke:` (reconcile.promotion.manifest), and a standalone file::

    version: 1
    smoke:
      Policy Helpdesk:
        - name: answers a refund question
          query: How do I get a refund?
          answer: {contains: refund}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from dsl.errors import DslParseError
from dsl.yaml_io import load_roundtrip, position_at
from reconcile.errors import ManifestError
from reconcile.located import validate_at
from reconcile.smoke.cases import SmokeCases

HINT = (
    "A smoke file is `version: 1` and `smoke:`, mapping app names to lists of cases; a case "
    "has a name and any of inputs, query, status, outputs_present, output, answer, "
    "max_elapsed_s, max_tokens."
)


class SmokeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    smoke: SmokeCases


def load_smoke_file(text: str, *, source: str) -> SmokeCases:
    """The cases of a standalone smoke file, by app name."""
    try:
        root = load_roundtrip(text, source=source)
    except DslParseError as exc:
        raise ManifestError(str(exc), hint=HINT) from None
    if not isinstance(root, dict):
        raise ManifestError(
            f"{source}:1:1: a smoke file is a mapping with `version: 1` and `smoke:`", hint=HINT
        )
    try:
        cases = validate_at(SmokeFile, root, (), source=source).smoke
    except ManifestError as error:
        raise ManifestError(error.message, hint=HINT) from None
    problems = duplicate_names(root, ("smoke",), cases, source=source)
    if problems:
        raise ManifestError("\n".join(problems), hint=HINT)
    return cases


def duplicate_names(
    root: Any, path: Sequence[str | int], cases: SmokeCases, *, source: str
) -> list[str]:
    """A problem for each case named like an earlier one of the same app: a report names
    cases, so two of one name could not be told apart."""
    problems = []
    for app, app_cases in cases.items():
        first: dict[str, int] = {}
        for index, case in enumerate(app_cases):
            where = (*path, app, index, "name")
            line, column = position_at(root, where) or (1, 1)
            if case.name in first:
                problems.append(
                    f"{source}:{line}:{column}: {'.'.join(str(p) for p in where)}: "
                    f"a second case named {case.name!r} for {app!r} (first at line "
                    f"{first[case.name]})"
                )
            else:
                first[case.name] = line
    return problems
