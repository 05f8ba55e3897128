"""Contract tests: the typed client against the emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from dify_client import DifyClient, RetryPolicy
from dify_client.testing import FakeClock
from tests.support.emulator import EmulatorHandle

ClientFactory = Callable[..., DifyClient]


@pytest.fixture
def make_dify(emulator: EmulatorHandle) -> Iterator[ClientFactory]:
    """`make_dify(email=..., token=..., max_retries=...)` → a DifyClient on the emulator.

    Retries wait on a fake clock, so fault tests never sleep for real.
    """
    clients: list[DifyClient] = []

    def make(
        email: str | None = "ada@acme.example",
        *,
        token: str | None = None,
        max_retries: int = 2,
        clock: FakeClock | None = None,
        **options: object,
    ) -> DifyClient:
        if token is None and email is not None:
            token = emulator.admin.token(email)
        client = DifyClient(
            emulator.base_url,
            token,
            retry=RetryPolicy(max_retries=max_retries, jitter=0.0),
            clock=clock or FakeClock(),
            **options,  # type: ignore[arg-type]
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def dify(make_dify: ClientFactory) -> DifyClient:
    """A client signed in as Ada, owner of Acme Dev and Acme Prod."""
    return make_dify()
