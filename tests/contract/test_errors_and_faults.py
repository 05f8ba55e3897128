"""Error classes from real emulator answers, and the retry rules under injected faults."""

from __future__ import annotations

import pytest

from dify_client import (
    AuthenticationError,
    DifyConnectionError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)
from dify_client.testing import FakeClock
from tests.support.emulator import DEMO, EmulatorHandle

EXPORT_ROUTE = "GET /apps/{app_id}/export"
TRIAGE_DEV = "a0000000-0000-4000-8000-000000000101"


def test_missing_and_invalid_bearer(make_dify) -> None:
    anonymous = make_dify(None)
    with pytest.raises(AuthenticationError, match="bearer required"):
        anonymous.account.get()
    forged = make_dify(None, token="dfoa_" + "x" * 43)
    with pytest.raises(AuthenticationError):
        forged.account.get()


def test_auth_beats_validation(dify) -> None:
    # GET /apps without workspace_id is a 404 from the auth pipeline, not a 422.
    with pytest.raises(NotFoundError, match="workspace not found"):
        dify._http.request("GET", "/apps")


def test_422_carries_details(dify) -> None:
    with pytest.raises(UnprocessableEntityError) as raised:
        dify.sessions.list(limit=0).all()
    assert raised.value.message == "Request validation failed"
    assert raised.value.details


def test_server_errors_on_get_are_retried(emulator: EmulatorHandle, make_dify) -> None:
    clock = FakeClock()
    client = make_dify(clock=clock, max_retries=3)
    emulator.admin.fault("server_error", status=503, route=EXPORT_ROUTE, times=2)
    emulator.admin.reset_stats()
    assert client.dsl.export(TRIAGE_DEV)
    assert emulator.admin.stats()[EXPORT_ROUTE] == 3
    assert clock.sleeps == [0.5, 1.0]


def test_server_errors_on_post_are_not_retried(emulator: EmulatorHandle, make_dify) -> None:
    client = make_dify(max_retries=3)
    emulator.admin.fault(
        "server_error", status=500, route="POST /workspaces/{workspace_id}/members", times=1
    )
    with pytest.raises(ServerError) as raised:
        client.members.invite(DEMO.ACME_DEV, "someone@acme.example", "normal")
    assert raised.value.message == "Internal Server Error"
    members = {m.email for m in client.members.iter_all(DEMO.ACME_DEV)}
    assert "someone@acme.example" not in members


def test_429_bursts_wait_for_retry_after(emulator: EmulatorHandle, make_dify) -> None:
    clock = FakeClock()
    client = make_dify(clock=clock, max_retries=3)
    emulator.admin.fault("rate_limit", retry_after=2, route=EXPORT_ROUTE, times=2)
    assert client.dsl.export(TRIAGE_DEV)
    assert clock.sleeps == [2.0, 2.0]


def test_per_token_rate_limit_surfaces_with_retry_after(
    emulator: EmulatorHandle, make_dify
) -> None:
    emulator.admin.settings(rate_limit_per_minute=3)
    client = make_dify(max_retries=0)
    for _ in range(3):
        client.account.get()
    with pytest.raises(RateLimitError) as raised:
        client.account.get()
    assert raised.value.retry_after is not None and 0 < raised.value.retry_after <= 60


class ServerTimeClock(FakeClock):
    """A fake clock whose sleeps also move the emulator's clock (its rate-limit window)."""

    def __init__(self, emulator: EmulatorHandle) -> None:
        super().__init__()
        self.emulator = emulator

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.emulator.admin.advance(seconds)


def test_client_side_pacing_avoids_the_servers_limit(emulator: EmulatorHandle, make_dify) -> None:
    emulator.admin.settings(rate_limit_per_minute=3)
    clock = ServerTimeClock(emulator)
    client = make_dify(clock=clock, max_retries=0, rate_limit=3)
    for _ in range(7):
        client.account.get()  # would be a 429 on the 4th call without pacing
    assert clock.sleeps == [pytest.approx(60.0), pytest.approx(60.0)]


def test_dropped_connections_are_retried_for_reads(emulator: EmulatorHandle, make_dify) -> None:
    client = make_dify(max_retries=2)
    emulator.admin.fault("drop_connection", route=EXPORT_ROUTE, times=1)
    assert client.dsl.export(TRIAGE_DEV)
    emulator.admin.fault("drop_connection", route=EXPORT_ROUTE)
    with pytest.raises(DifyConnectionError) as raised:
        client.dsl.export(TRIAGE_DEV)
    assert "connection" in str(raised.value)


# These tests inject faults and read counters by S2 route keys (`POST /apps/{app_id}/run`…);
# the S3 routes run the same handlers, and tests/contract/test_generations.py covers them.
pytestmark = pytest.mark.generations("s2")
