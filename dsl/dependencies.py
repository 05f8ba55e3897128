"""Plugin dependencies (dsl-format.md §7): which plugin, which version, from where.

Entries look like ``{type: marketplace, value: {marketplace_plugin_unique_identifier:
"langgenius/openai:0.2.6@<sha256>"}, current_identifier: null}``; ``package`` entries use
``plugin_unique_identifier`` and ``github`` ones ``github_plugin_unique_identifier`` plus
``repo``/``version``/``package``. The diff compares dependencies by plugin, so the hash
suffix and the position in the list never matter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dsl.tree import as_str

_IDENTIFIER = re.compile(r"^(?P<plugin>[^:@]+)(?::(?P<version>[^@]+))?(?:@(?P<hash>.*))?$")


@dataclass(frozen=True, order=True)
class PluginRef:
    plugin: str
    version: str
    source_type: str


def plugin_ref(dependency: Any) -> PluginRef | None:
    """The plugin a dependency entry names, or None for entries that name nothing."""
    if not isinstance(dependency, Mapping):
        return None
    value = dependency.get("value")
    if not isinstance(value, Mapping):
        return None
    source_type = as_str(dependency.get("type"))
    identifier = next(
        (
            as_str(item)
            for key, item in value.items()
            if isinstance(key, str) and key.endswith("plugin_unique_identifier") and item
        ),
        "",
    )
    match = _IDENTIFIER.match(identifier) if identifier else None
    if match:
        return PluginRef(
            match["plugin"], match["version"] or as_str(value.get("version")), source_type
        )
    repo = as_str(value.get("repo"))
    if repo:
        return PluginRef(repo, as_str(value.get("version")), source_type)
    return None


def plugin_sort_key(dependency: Any) -> tuple[int, PluginRef | str]:
    ref = plugin_ref(dependency)
    return (0, ref) if ref else (1, repr(dependency))
