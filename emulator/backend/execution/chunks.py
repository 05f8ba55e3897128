"""How a streamed answer is cut: a few chunks on word boundaries, joined back exactly."""

from __future__ import annotations

import re

_WORDS = re.compile(r"\s*\S+|\s+$")


def split_chunks(text: str, parts: int = 3) -> list[str]:
    words = _WORDS.findall(text)
    if not words:
        return [text] if text else []
    size = -(-len(words) // parts)
    return ["".join(words[at : at + size]) for at in range(0, len(words), size)]
