"""Helpers for client tests that need faults a real server cannot produce on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from dify_client import DifyClient, RetryPolicy
from dify_client.testing import FakeClock

TOKEN = "dfoa_" + "T" * 43  # a well-formed but fake bearer token


@dataclass
class Recorder:
    """A MockTransport handler that plays scripted answers and records the requests."""

    answers: list[Callable[[httpx.Request], httpx.Response] | httpx.Response | Exception]
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(fake_clock: FakeClock) -> Iterator[Callable[..., tuple[DifyClient, Recorder]]]:
    clients: list[DifyClient] = []

    def make(
        *answers: object, max_retries: int = 3, **kwargs: object
    ) -> tuple[DifyClient, Recorder]:
        recorder = Recorder(list(answers))  # type: ignore[arg-type]
        # The scripted answers are S2 ones; detection has tests of its own.
        kwargs.setdefault("generation", "s2")
        client = DifyClient(
            "https://dify.test",
            token=TOKEN,
            transport=httpx.MockTransport(recorder),
            clock=fake_clock,
            retry=RetryPolicy(max_retries=max_retries, jitter=0.0),
            **kwargs,  # type: ignore[arg-type]
        )
        clients.append(client)
        return client, recorder

    yield make
    for client in clients:
        client.close()


def error_body(status: int, code: str, message: str, **extra: object) -> httpx.Response:
    return httpx.Response(
        status, json={"code": code, "message": message, "status": status, **extra}
    )
