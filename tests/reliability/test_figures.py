"""The figures section itself: what `make reliability` prints is what the suites record."""

from __future__ import annotations

import pytest

from tests.support import figures


def test_an_unknown_suite_is_refused_so_a_typo_cannot_drop_a_figure() -> None:
    with pytest.raises(ValueError, match="unknown reliability suite"):
        figures.record("kill-9", "backup", "20/20")
