"""One Prefect test server for the whole session, started only by tests that need it.

Flow tests request `prefect_harness`; it starts `prefect_test_harness` once (a cold start
took 13 s on a small machine, so the timeout is generous) and quiets the ephemeral
server's shutdown noise. Never nest another harness inside it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

STARTUP_TIMEOUT_SECONDS = 180


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=STARTUP_TIMEOUT_SECONDS):
        yield
    # The server's background services log errors while being torn down; they are noise.
    for name in ("prefect", "prefect.server", "uvicorn", "uvicorn.error", "docket"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
