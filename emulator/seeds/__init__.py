"""Deterministic seeds. `demo` is the only one; `None` means an empty emulator."""

from __future__ import annotations

from collections.abc import Callable

from emulator.seeds import demo
from emulator.store import Store

SEEDS: dict[str, Callable[[Store], None]] = {"demo": demo.apply}


def apply_seed(name: str | None, store: Store) -> None:
    if name is None:
        return
    try:
        seed = SEEDS[name]
    except KeyError:
        raise ValueError(f"unknown seed {name!r} (known: {', '.join(sorted(SEEDS))})") from None
    seed(store)
