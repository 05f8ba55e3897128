"""A plan's checksum: what `apply` compares to refuse a plan that went stale.

The checksum covers everything that decides what apply would do — the target, the live
facts the plan relied on, and every change — and nothing that varies between two plannings
of the same situation (timestamps, the checksum itself). Re-planning against unchanged
live state gives the same checksum; any drift gives another (octodns' `--checksum`,
Terraform's stale saved plan).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

VOLATILE_KEYS = frozenset({"checksum", "created_at", "generated_at"})


def canonical_json(data: Any) -> str:
    return json.dumps(_strip(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def plan_checksum(plan: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(canonical_json(plan).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"


def _strip(data: Any) -> Any:
    if isinstance(data, Mapping):
        return {str(k): _strip(v) for k, v in data.items() if k not in VOLATILE_KEYS}
    if isinstance(data, list | tuple):
        return [_strip(v) for v in data]
    return data
