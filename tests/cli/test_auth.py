"""`difyops auth`: login through the emulator's device flow, status, logout, credentials."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from dify_client import DeviceFlow
from dify_client.profiles import CredentialStore, Profile, ProfileStore
from dify_client.testing import FakeClock
from difyops.commands import auth
from tests.contract.test_device_flow import approve_through_the_page
from tests.support.emulator import EmulatorHandle


class PersonApproves(FakeClock):
    """While the CLI waits, a person signs in on the /device page and approves the code
    it printed; the emulator's clock moves with ours."""

    def __init__(self, emulator: EmulatorHandle, code_box: list[str]) -> None:
        super().__init__()
        self.emulator = emulator
        self.code_box = code_box

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.emulator.admin.advance(seconds)
        if len(self.sleeps) == 1:
            approve_through_the_page(self.emulator.base_url, self.code_box[0])


@pytest.fixture
def person(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Makes `auth login` get approved through the page; yields a box for the user code."""
    box: list[str] = []
    monkeypatch.setattr(auth, "make_clock", lambda: PersonApproves(emulator, box))
    original = DeviceFlow.start

    def start(self):  # type: ignore[no-untyped-def]
        code = original(self)
        box.append(code.user_code)
        return code

    monkeypatch.setattr(DeviceFlow, "start", start)
    return box


def config_dir() -> Path:
    return Path(os.environ["DIFYOPS_CONFIG_DIR"])


def test_login_through_the_device_page_stores_a_private_token(
    invoke, emulator: EmulatorHandle, person: list[str]
) -> None:
    result = invoke("auth", "login", "--host", emulator.base_url, "--no-browser")
    assert result.exit_code == 0, result.output
    assert f"enter the code: {person[0]}" in result.stderr
    assert "/device" in result.stderr
    assert "Signed in to" in result.stdout and "ada@acme.example" in result.stdout
    assert "Workspace: Acme Dev" in result.stdout
    credentials = config_dir() / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_dir().stat().st_mode) == 0o700
    token = json.loads(credentials.read_text())["tokens"][emulator.base_url]["ada@acme.example"]
    assert token.startswith("dfoa_")
    assert token not in result.output
    profile = json.loads((config_dir() / "config.json").read_text())
    assert profile["default_profile"] == "default"
    # The stored credentials are what later commands use.
    listed = invoke("apps", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert "Support Ticket Triage" in {a["name"] for a in json.loads(listed.stdout)}


def test_status_and_logout_revoke_the_token(
    invoke, emulator: EmulatorHandle, person: list[str]
) -> None:
    assert invoke("auth", "login", "--host", emulator.base_url, "--no-browser").exit_code == 0
    token = json.loads((config_dir() / "credentials.json").read_text())["tokens"][
        emulator.base_url
    ]["ada@acme.example"]
    status = invoke("auth", "status", "--json")
    assert status.exit_code == 0
    assert json.loads(status.stdout)[0]["valid"] is True
    logout = invoke("auth", "logout")
    assert logout.exit_code == 0, logout.output
    assert "revoked on the server" in logout.stdout
    with httpx.Client(base_url=emulator.api_url) as http:
        answer = http.get("/account", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert not json.loads((config_dir() / "credentials.json").read_text())["tokens"]
    after = invoke("auth", "status")
    assert after.exit_code == 4
    assert "not signed in" in after.stderr


def test_logout_clears_local_state_when_the_server_is_gone(invoke, emulator_factory) -> None:
    other = emulator_factory()
    token = SecretStr(other.admin.token("ada@acme.example"))
    storage = CredentialStore().save(other.base_url, "ada@acme.example", token)
    profile = Profile(host=other.base_url, email="ada@acme.example", token_storage=storage)
    ProfileStore().upsert("gone", profile, make_default=True)
    other.server.stop()
    result = invoke("auth", "logout")
    assert result.exit_code == 0, result.output
    assert "not revoked on the server" in result.stdout
    assert "warning" in result.stderr
    assert invoke("auth", "status").exit_code == 4


def test_login_denied_exits_4(invoke, emulator: EmulatorHandle, monkeypatch) -> None:
    class PersonDenies(FakeClock):
        def sleep(self, seconds: float) -> None:
            super().sleep(seconds)
            emulator.admin.advance(seconds)
            if len(self.sleeps) == 1:
                emulator.admin.deny(box[0])

    box: list[str] = []
    monkeypatch.setattr(auth, "make_clock", PersonDenies)
    original = DeviceFlow.start

    def start(self):  # type: ignore[no-untyped-def]
        code = original(self)
        box.append(code.user_code)
        return code

    monkeypatch.setattr(DeviceFlow, "start", start)
    result = invoke("auth", "login", "--host", emulator.base_url, "--no-browser")
    assert result.exit_code == 4
    assert "denied" in result.stderr
    assert not (config_dir() / "credentials.json").exists()


def test_login_to_something_that_is_not_dify(invoke, emulator: EmulatorHandle) -> None:
    result = invoke("auth", "login", "--host", emulator.base_url + "/elsewhere", "--no-browser")
    assert result.exit_code == 1
    assert "does not answer as a Dify OpenAPI v1 server" in result.stderr
    assert "hint:" in result.stderr


def test_env_token_without_server_is_explained(invoke, monkeypatch) -> None:
    monkeypatch.setenv("DIFY_TOKEN", "dfoa_" + "z" * 43)
    result = invoke("apps", "list")
    assert result.exit_code == 4
    assert "DIFY_SERVER" in result.stderr
