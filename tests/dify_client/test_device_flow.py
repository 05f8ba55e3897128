"""The device-flow poller against scripted answers and a fake clock."""

from __future__ import annotations

import httpx
import pytest

from dify_client import (
    AccessDeniedError,
    DeviceCodeExpiredError,
    DeviceFlow,
    DeviceFlowCancelled,
    ServerError,
    UnsupportedClientError,
)
from dify_client.models import DeviceCode
from dify_client.testing import FakeClock

CODE = {
    "device_code": "dc_" + "x" * 32,
    "user_code": "ABCD-EFGH",
    "verification_uri": "https://dify.test/device",
    "expires_in": 900,
    "interval": 5,
}
TOKEN_PAYLOAD = {
    "token": "dfoa_" + "a" * 43,
    "expires_at": "2026-12-13T00:00:00+00:00",
    "subject_type": "account",
    "account": {"id": "acc", "email": "ada@acme.example", "name": "Ada"},
    "workspaces": [{"id": "ws", "name": "Acme Dev", "role": "owner"}],
    "default_workspace_id": "ws",
    "token_id": "tok-1",
}


def pending() -> httpx.Response:
    return httpx.Response(400, json={"error": "authorization_pending"})


def slow_down() -> httpx.Response:
    return httpx.Response(400, json={"error": "slow_down"})


def flow_for(client, clock: FakeClock, updates: list | None = None, cancelled=None) -> DeviceFlow:
    return DeviceFlow(
        client.device,
        client_id="difyctl",
        device_label="difyops on test",
        clock=clock,
        on_update=(updates.append if updates is not None else None),
        cancelled=cancelled,
    )


def test_polls_at_the_interval_until_approved(make_client, fake_clock: FakeClock) -> None:
    client, recorder = make_client(pending(), pending(), httpx.Response(200, json=TOKEN_PAYLOAD))
    updates: list = []
    token = flow_for(client, fake_clock, updates).wait(DeviceCode.model_validate(CODE))
    assert token.account is not None and token.account.email == "ada@acme.example"
    assert fake_clock.sleeps == [5, 5, 5]
    assert [u.answer for u in updates] == ["authorization_pending", "authorization_pending"]
    body = recorder.requests[0].read()
    assert b'"device_code"' in body and b'"client_id":"difyctl"' in body


def test_slow_down_adds_five_seconds_each_time(make_client, fake_clock: FakeClock) -> None:
    client, _ = make_client(
        slow_down(), slow_down(), pending(), httpx.Response(200, json=TOKEN_PAYLOAD)
    )
    flow_for(client, fake_clock).wait(DeviceCode.model_validate(CODE))
    assert fake_clock.sleeps == [5, 10, 15, 15]


def test_the_client_stops_at_expires_in(make_client, fake_clock: FakeClock) -> None:
    client, recorder = make_client(pending())
    code = DeviceCode.model_validate({**CODE, "expires_in": 22})
    with pytest.raises(DeviceCodeExpiredError):
        flow_for(client, fake_clock).wait(code)
    assert len(recorder.requests) == 4  # at 5, 10, 15, 20 s; a fifth would pass 22 s


@pytest.mark.parametrize(
    ("error", "cls"),
    [
        ("access_denied", AccessDeniedError),
        ("expired_token", DeviceCodeExpiredError),
    ],
)
def test_final_answers(make_client, fake_clock: FakeClock, error: str, cls: type) -> None:
    client, _ = make_client(pending(), httpx.Response(400, json={"error": error}))
    with pytest.raises(cls) as raised:
        flow_for(client, fake_clock).wait(DeviceCode.model_validate(CODE))
    assert raised.value.hint


def test_transient_server_errors_are_ridden_out(make_client, fake_clock: FakeClock) -> None:
    boom = httpx.Response(
        500, json={"code": "internal_server_error", "message": "x", "status": 500}
    )
    client, recorder = make_client(boom, boom, httpx.Response(200, json=TOKEN_PAYLOAD))
    token = flow_for(client, fake_clock).wait(DeviceCode.model_validate(CODE))
    assert token.account is not None and token.account.email == "ada@acme.example"
    assert len(recorder.requests) == 3


def test_persistent_server_errors_end_the_wait(make_client, fake_clock: FakeClock) -> None:
    boom = httpx.Response(
        500, json={"code": "internal_server_error", "message": "x", "status": 500}
    )
    client, recorder = make_client(boom)
    with pytest.raises(ServerError):
        flow_for(client, fake_clock).wait(DeviceCode.model_validate(CODE))
    assert len(recorder.requests) == 5


def test_cancel_stops_before_the_next_poll(make_client, fake_clock: FakeClock) -> None:
    client, recorder = make_client(pending())
    with pytest.raises(DeviceFlowCancelled):
        flow_for(client, fake_clock, cancelled=lambda: True).wait(DeviceCode.model_validate(CODE))
    assert recorder.requests == []


def test_unknown_client_id_is_named(make_client) -> None:
    client, _ = make_client(httpx.Response(400, json={"error": "unsupported_client"}))
    with pytest.raises(UnsupportedClientError):
        client.device.request_code(client_id="nope", device_label="x")


def test_device_code_and_token_are_secret_in_reprs() -> None:
    code = DeviceCode.model_validate(CODE)
    assert CODE["device_code"] not in repr(code)
