"""Normalisation: the document minus everything that is not behaviour.

`normalize` copies the data once and runs the rules of `dsl.rules` over the copy, in the
order listed in `RULES`. The result is still a DSL-shaped mapping (so it can be dumped,
hashed or diffed), it never shares containers with the input, and normalising it again
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dsl import rules
from dsl.document import DslDocument, as_data
from dsl.tree import copy_tree


@dataclass(frozen=True)
class NormalizationRule:
    """A named, documented transformation; `transform` edits a private copy in place."""

    name: str
    transform: Callable[[dict[str, Any]], None]
    optional: bool = False  # runs only when asked for (ignore_position=True)

    @property
    def description(self) -> str:
        """The rule's docstring, as one paragraph."""
        return " ".join((self.transform.__doc__ or "").split())

    def apply(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """This rule alone, on a copy of `data`."""
        result: dict[str, Any] = copy_tree(dict(data))
        self.transform(result)
        return result


def _rule(
    transform: Callable[[dict[str, Any]], None], *, optional: bool = False
) -> NormalizationRule:
    return NormalizationRule(transform.__name__, transform, optional)


RULES: tuple[NormalizationRule, ...] = (
    _rule(rules.drop_viewport),
    _rule(rules.drop_derived_positions),
    _rule(rules.drop_selection_state),
    _rule(rules.drop_rendered_size),
    _rule(rules.drop_react_flow_bookkeeping),
    _rule(rules.drop_position, optional=True),
    _rule(rules.drop_dsl_version),
    _rule(rules.strip_plugin_hash_suffixes),
    _rule(rules.drop_file_upload_limits),
    _rule(rules.mask_workspace_bound),
    _rule(rules.sort_unordered_collections),
)


def normalize(
    document: DslDocument | Mapping[str, Any], *, ignore_position: bool = False
) -> dict[str, Any]:
    """A normalised copy of the document's data (pure and idempotent).

    Node positions are kept unless `ignore_position` is true: moving nodes is a deliberate
    (if cosmetic) change, which the diff reports as layout-only.
    """
    result: dict[str, Any] = copy_tree(dict(as_data(document)))
    for rule in RULES:
        if rule.optional and not ignore_position:
            continue
        rule.transform(result)
    return result
