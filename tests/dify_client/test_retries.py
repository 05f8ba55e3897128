"""Retry rules and Retry-After arithmetic, with a fake clock (no test sleeps)."""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from dify_client import (
    APIStatusError,
    BadRequestError,
    ConflictError,
    DifyConnectionError,
    DifyTimeoutError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from dify_client.testing import FakeClock
from tests.dify_client.conftest import error_body

OK_ACCOUNT = httpx.Response(
    200, json={"subject_type": "account", "workspaces": [], "default_workspace_id": None}
)


def test_get_is_retried_on_5xx_with_exponential_backoff(make_client, fake_clock: FakeClock) -> None:
    client, recorder = make_client(
        error_body(502, "bad_gateway", "Internal Server Error"),
        error_body(503, "unknown", "Internal Server Error"),
        error_body(500, "internal_server_error", "Internal Server Error"),
        OK_ACCOUNT,
    )
    assert client.account.get().subject_type == "account"
    assert len(recorder.requests) == 4
    assert fake_clock.sleeps == [0.5, 1.0, 2.0]


def test_backoff_is_capped_and_jittered_downwards() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=8.0, jitter=0.25)
    for retry in range(1, 12):
        base = min(0.5 * 2 ** (retry - 1), 8.0)
        delay = policy.backoff(retry)
        assert base * 0.75 <= delay <= base


def test_retries_give_up_after_the_budget(make_client, fake_clock: FakeClock) -> None:
    client, recorder = make_client(
        error_body(500, "internal_server_error", "Internal Server Error"), max_retries=2
    )
    with pytest.raises(ServerError) as raised:
        client.account.get()
    assert len(recorder.requests) == 3
    assert raised.value.code == "internal_server_error"


@pytest.mark.parametrize(
    ("header", "body_ms", "expected"),
    [
        ("2", None, 2.0),
        ("0.25", None, 0.25),
        (None, 1500, 1.5),
        ("30", 250, 0.25),  # the body's millisecond value is the more precise one
    ],
)
def test_429_waits_what_the_server_asks(
    make_client, fake_clock: FakeClock, header, body_ms, expected
) -> None:
    headers = {"Retry-After": header} if header else {}
    body = {"error": "rate_limited"}
    if body_ms is not None:
        body["retry_after_ms"] = body_ms
    client, _ = make_client(httpx.Response(429, json=body, headers=headers), OK_ACCOUNT)
    client.account.get()
    assert fake_clock.sleeps == [expected]


def test_retry_after_as_an_http_date_is_measured_from_the_clock(
    make_client, fake_clock: FakeClock
) -> None:
    date = email.utils.formatdate(fake_clock.time() + 7, usegmt=True)
    client, _ = make_client(httpx.Response(429, headers={"Retry-After": date}), OK_ACCOUNT)
    client.account.get()
    assert fake_clock.sleeps == [pytest.approx(7, abs=1)]


def test_a_wait_longer_than_the_cap_is_not_slept_but_reported(
    make_client, fake_clock: FakeClock
) -> None:
    client, recorder = make_client(
        httpx.Response(429, json={"error": "rate_limited", "retry_after_ms": 3_600_000})
    )
    with pytest.raises(RateLimitError) as raised:
        client.account.get()
    assert len(recorder.requests) == 1
    assert fake_clock.sleeps == []
    assert raised.value.retry_after == 3600
    assert "3600" in (raised.value.hint or "")


def test_post_is_not_retried_on_5xx(make_client) -> None:
    client, recorder = make_client(error_body(500, "internal_server_error", "x"))
    with pytest.raises(ServerError):
        client.members.invite("ws", "new@example.com", "normal")
    assert len(recorder.requests) == 1


def invited() -> httpx.Response:
    return httpx.Response(
        201,
        json={
            "email": "new@example.com",
            "role": "normal",
            "member_id": "m1",
            "invite_url": "https://dify.test/activate?token=secret",
            "tenant_id": "ws",
        },
    )


def test_post_is_retried_on_429(make_client, fake_clock: FakeClock) -> None:
    client, recorder = make_client(
        httpx.Response(429, json={"error": "rate_limited", "retry_after_ms": 1000}), invited()
    )
    assert client.members.invite("ws", "new@example.com", "normal").member_id == "m1"
    assert [r.method for r in recorder.requests] == ["POST", "POST"]


def test_post_is_retried_when_the_connection_was_never_made(make_client) -> None:
    client, recorder = make_client(httpx.ConnectError("refused"), invited())
    assert client.members.invite("ws", "new@example.com", "normal").member_id == "m1"
    assert [r.method for r in recorder.requests] == ["POST", "POST"]


def test_post_is_not_retried_when_it_may_have_reached_the_server(make_client) -> None:
    client, recorder = make_client(httpx.ReadTimeout("slow"))
    with pytest.raises(DifyTimeoutError):
        client.members.invite("ws", "new@example.com", "normal")
    assert len(recorder.requests) == 1


def test_get_is_retried_after_a_dropped_connection(make_client) -> None:
    client, recorder = make_client(httpx.RemoteProtocolError("peer closed"), OK_ACCOUNT)
    client.account.get()
    assert len(recorder.requests) == 2


def test_connection_errors_surface_after_the_budget_with_a_hint(make_client) -> None:
    client, recorder = make_client(httpx.ConnectError("refused"), max_retries=1)
    with pytest.raises(DifyConnectionError) as raised:
        client.account.get()
    assert len(recorder.requests) == 2
    assert raised.value.sent is False
    assert "dify.test" in str(raised.value)
    assert raised.value.hint


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_client_errors_are_never_retried(make_client, status: int) -> None:
    client, recorder = make_client(error_body(status, "x", "no"))
    with pytest.raises(APIStatusError) as raised:
        client.account.get()
    assert raised.value.status == status
    assert len(recorder.requests) == 1


def test_409_is_final_even_for_idempotent_methods(make_client) -> None:
    client, recorder = make_client(error_body(409, "conflict", "busy"))
    with pytest.raises(ConflictError):
        client.members.remove("ws", "m1")
    assert len(recorder.requests) == 1


def test_retries_can_be_switched_off(make_client) -> None:
    client, recorder = make_client(error_body(503, "unknown", "x"), max_retries=0)
    with pytest.raises(ServerError):
        client.account.get()
    assert len(recorder.requests) == 1


def test_a_400_error_body_is_a_bad_request(make_client) -> None:
    client, _ = make_client(error_body(400, "bad_request", "Cannot operate self."))
    with pytest.raises(BadRequestError, match="Cannot operate self"):
        client.members.remove("ws", "me")


def _s3(*answers: object) -> Callable[[httpx.Request], httpx.Response]:
    """Scripted S3 answers (raised when an exception); no `/_catalog`, so the generation
    given to the client holds."""
    queue = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/_catalog"):
            return httpx.Response(404, json={"code": "not_found", "message": "no", "status": 404})
        got = queue.pop(0)
        if isinstance(got, Exception):
            raise got
        assert isinstance(got, httpx.Response)
        return got

    return answer


def _api(recorder: Any) -> list[httpx.Request]:
    return [r for r in recorder.requests if not r.url.path.endswith("/_catalog")]


@pytest.mark.parametrize(
    "first",
    [
        pytest.param(error_body(500, "internal_server_error", "x"), id="5xx"),
        pytest.param(httpx.RemoteProtocolError("peer closed"), id="dropped after sending"),
    ],
)
def test_a_post_that_only_checks_is_retried_like_a_read(make_client, first: object) -> None:
    """Issue 14 (faults): one 5xx on a DSL check, which imports nothing, failed a whole
    promotion plan."""
    checked = httpx.Response(200, json={"valid": True, "issues": []})
    client, recorder = make_client(_s3(first, checked), generation="s3")
    assert client.dsl.check("ws", "app: {}\n").valid
    requests = _api(recorder)
    assert [r.method for r in requests] == ["POST", "POST"]
    assert requests[0].url.path.endswith("/apps/imports:check")


def test_an_import_is_still_not_retried_on_5xx(make_client) -> None:
    client, recorder = make_client(
        _s3(error_body(500, "internal_server_error", "x")), generation="s3"
    )
    with pytest.raises(ServerError):
        client.dsl.import_("ws", yaml_content="app: {}\n")
    assert len(_api(recorder)) == 1
