"""The backup bar's ETA stays honest while the client paces itself under its rate limit
(issue 15: it read 0:00:13 at 46/306 exports when minutes were left)."""

from __future__ import annotations

import pytest
from rich.progress import Progress

from difyops.commands.backup import PacedTimeRemaining, backup_eta


def test_a_rate_limit_paces_the_estimate() -> None:
    # 46 of 306 done in 5 s (the limiter's first window lets a burst through): the bursty
    # rate says 28 s, but 260 exports at 50 requests/min take over five minutes.
    eta = backup_eta(260, done=46, elapsed=5.0, rate_limit=50)
    assert eta == pytest.approx(260 * 60 / 50)


def test_a_rate_observed_slower_than_the_limit_wins() -> None:
    # Waits for Retry-After made the run slower than the limit would: that rate counts.
    eta = backup_eta(10, done=10, elapsed=120.0, rate_limit=60)
    assert eta == pytest.approx(120.0)


def test_without_a_rate_limit_the_observed_rate_is_used() -> None:
    assert backup_eta(30, done=10, elapsed=20.0, rate_limit=None) == pytest.approx(60.0)


def test_nothing_to_say_before_the_first_export_without_a_limit() -> None:
    assert backup_eta(30, done=0, elapsed=0.0, rate_limit=None) is None
    assert backup_eta(0, done=30, elapsed=9.0, rate_limit=50) == 0.0


def test_the_bar_column_shows_the_paced_estimate() -> None:
    progress = Progress(PacedTimeRemaining(50))
    task_id = progress.add_task("Acme Dev", total=306, completed=46)
    task = progress.tasks[0]
    assert task.id == task_id
    # 260 × 60 / 50 = 312 s, whatever Rich's windowed speed says.
    assert str(PacedTimeRemaining(50).render(task)) == "0:05:12"
