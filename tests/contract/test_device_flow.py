"""The device flow end to end against the emulator, approved as a person or by the admin."""

from __future__ import annotations

import re

import httpx
import pytest

from dify_client import (
    AccessDeniedError,
    DeviceCodeExpiredError,
    DeviceFlow,
    DeviceFlowError,
    DifyClient,
    UnsupportedClientError,
)
from dify_client.testing import FakeClock
from tests.support.emulator import EmulatorHandle


def test_code_lookup_and_one_shot_token(emulator: EmulatorHandle) -> None:
    with DifyClient(emulator.base_url) as client:
        code = client.device.request_code(client_id="difyctl", device_label="difyops test")
        assert re.fullmatch(r"[A-Z3-9]{4}-[A-Z3-9]{4}", code.user_code)
        assert code.verification_uri.endswith("/device")
        assert client.device.lookup(code.user_code.lower()).valid is True
        device_code = code.device_code.get_secret_value()
        assert client.device.poll(device_code=device_code, client_id="difyctl") == (
            "authorization_pending"
        )
        assert emulator.admin.approve(code.user_code).status_code == 200
        emulator.admin.advance(6)
        token = client.device.poll(device_code=device_code, client_id="difyctl")
        assert not isinstance(token, str)
        assert token.account is not None and token.account.email == "ada@acme.example"
        emulator.admin.advance(6)
        with pytest.raises(DeviceCodeExpiredError):
            client.device.poll(device_code=device_code, client_id="difyctl")
    with DifyClient(emulator.base_url, token.token) as signed_in:
        assert signed_in.account.get().account is not None


def test_polling_too_fast_is_slow_down(emulator: EmulatorHandle) -> None:
    with DifyClient(emulator.base_url) as client:
        code = client.device.request_code(client_id="difyctl", device_label="fast poller")
        device_code = code.device_code.get_secret_value()
        client.device.poll(device_code=device_code, client_id="difyctl")
        assert client.device.poll(device_code=device_code, client_id="difyctl") == "slow_down"


def test_denied_and_unknown_client(emulator: EmulatorHandle) -> None:
    with DifyClient(emulator.base_url) as client:
        code = client.device.request_code(client_id="difyctl", device_label="denied")
        emulator.admin.deny(code.user_code)
        emulator.admin.advance(6)
        with pytest.raises(AccessDeniedError):
            client.device.poll(device_code=code.device_code.get_secret_value(), client_id="difyctl")
        with pytest.raises(UnsupportedClientError):
            client.device.request_code(client_id="not-registered", device_label="x")


class ApprovingClock(FakeClock):
    """Approves the code through the /device page on the first wait, as a person would,
    and moves the emulator's clock along with its own."""

    def __init__(self, emulator: EmulatorHandle) -> None:
        super().__init__()
        self.emulator = emulator
        self.user_code = ""

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.emulator.admin.advance(seconds)
        if len(self.sleeps) == 1:
            approve_through_the_page(self.emulator.base_url, self.user_code)


def approve_through_the_page(base_url: str, user_code: str) -> None:
    with httpx.Client(base_url=base_url, follow_redirects=True) as browser:
        signed_in = browser.post(
            "/device/login",
            data={"email": "ada@acme.example", "password": "demo-password", "user_code": user_code},
        )
        assert signed_in.status_code == 200
        csrf = re.search(r"name='csrf_token' value='([^']+)'", signed_in.text)
        assert csrf is not None
        decided = browser.post(
            "/device/decision",
            data={"user_code": user_code, "action": "approve", "csrf_token": csrf.group(1)},
        )
        assert decided.status_code == 200, decided.text


def test_device_flow_poller_with_a_person_approving(emulator: EmulatorHandle) -> None:
    clock = ApprovingClock(emulator)
    with DifyClient(emulator.base_url, clock=clock) as client:
        flow = DeviceFlow(client.device, client_id="difyctl", device_label="poller", clock=clock)
        code = flow.start()
        clock.user_code = code.user_code
        token = flow.wait(code)
    assert token.token.get_secret_value().startswith("dfoa_")
    assert clock.sleeps == [5.0]


def test_relogin_rotates_the_previous_token(emulator: EmulatorHandle) -> None:
    tokens = []
    for _ in range(2):
        clock = ApprovingClock(emulator)
        with DifyClient(emulator.base_url, clock=clock) as client:
            flow = DeviceFlow(client.device, client_id="difyctl", device_label="same", clock=clock)
            code = flow.start()
            clock.user_code = code.user_code
            tokens.append(flow.wait(code).token)
    with (
        DifyClient(emulator.base_url, tokens[0]) as old,
        DifyClient(emulator.base_url, tokens[1]) as new,
    ):
        assert new.account.get().account is not None
        with pytest.raises(Exception, match="401"):
            old.account.get()


def test_approve_and_deny_endpoints_need_the_console_session(emulator: EmulatorHandle) -> None:
    with DifyClient(emulator.base_url) as client:
        code = client.device.request_code(client_id="difyctl", device_label="console")
        with httpx.Client(base_url=emulator.base_url, follow_redirects=True) as browser:
            browser.post(
                "/device/login", data={"email": "ada@acme.example", "password": "demo-password"}
            )
            cookies = dict(browser.cookies)
        decision = client.device.approve(
            code.user_code, cookies=cookies, csrf_token=cookies["csrf_token"]
        )
        assert decision.status == "approved"
        # Already resolved: a 409 with the RFC body {"error": "already_resolved"}.
        with pytest.raises(DeviceFlowError) as raised:
            client.device.deny(code.user_code, cookies=cookies, csrf_token=cookies["csrf_token"])
        assert raised.value.error == "already_resolved"
