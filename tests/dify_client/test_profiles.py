"""Profiles and stored credentials: keyring when it works, a private file otherwise."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from pydantic import SecretStr

from dify_client import CredentialsNotFoundError
from dify_client.profiles import CredentialStore, Profile, ProfileStore, resolve_credentials
from dify_client.remedies import Remedy, say
from difyops._spelling import cli_step

TOKEN = SecretStr("dfoa_" + "k" * 43)


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


@pytest.fixture
def use_keyring() -> Iterator[type[MemoryKeyring]]:
    previous = keyring.get_keyring()

    def install(kind: type[MemoryKeyring]) -> MemoryKeyring:
        backend = kind()
        keyring.set_keyring(backend)
        return backend

    yield install  # type: ignore[misc]
    keyring.set_keyring(previous)


def config_dir() -> Path:
    return Path(os.environ["DIFYOPS_CONFIG_DIR"])


def test_a_working_keyring_holds_the_token_and_no_file_does(use_keyring) -> None:
    backend = use_keyring(MemoryKeyring)
    store = CredentialStore()
    assert store.save("https://dify.test", "ada@acme.example", TOKEN) == "keyring"
    assert TOKEN.get_secret_value() in backend.items.values()
    assert not (config_dir() / "credentials.json").exists()
    assert store.load("https://dify.test", "ada@acme.example", "keyring") == TOKEN
    store.delete("https://dify.test", "ada@acme.example")
    assert store.load("https://dify.test", "ada@acme.example", "keyring") is None


def test_a_broken_keyring_falls_back_to_a_private_file(use_keyring) -> None:
    use_keyring(LockedKeyring)
    store = CredentialStore()
    assert store.save("https://dify.test", "ada@acme.example", TOKEN) == "file"
    path = config_dir() / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    stored = json.loads(path.read_text())
    assert stored["tokens"]["https://dify.test"]["ada@acme.example"] == TOKEN.get_secret_value()


def test_no_temporary_files_are_left_behind() -> None:
    store = CredentialStore()
    for n in range(3):
        store.save("https://dify.test", f"user{n}@acme.example", TOKEN)
    assert sorted(p.name for p in config_dir().iterdir()) == ["credentials.json"]


def test_profiles_resolve_with_environment_precedence(monkeypatch) -> None:
    storage = CredentialStore().save("https://dify.test", "ada@acme.example", TOKEN)
    ProfileStore().upsert(
        "work",
        Profile(host="https://dify.test", email="ada@acme.example", token_storage=storage),
        make_default=True,
    )
    assert resolve_credentials().profile_name == "work"
    assert resolve_credentials("work").token == TOKEN
    monkeypatch.setenv("DIFY_SERVER", "https://ci.dify.test/openapi/v1")
    monkeypatch.setenv("DIFY_TOKEN", "dfoa_" + "e" * 43)
    from_env = resolve_credentials()
    assert (from_env.host, from_env.profile_name) == ("https://ci.dify.test", None)
    assert resolve_credentials("work").host == "https://dify.test"  # an explicit profile wins
    assert "dfoa_" not in repr(from_env)


def test_unknown_profile_and_lost_token_say_how_to_recover() -> None:
    with pytest.raises(CredentialsNotFoundError, match="no profile named 'nope'") as raised:
        resolve_credentials("nope")
    assert raised.value.hint == "List the profiles; sign in as 'nope'."
    assert raised.value.remedies == (Remedy.LIST_PROFILES, Remedy.SIGN_IN_PROFILE)
    assert say(raised.value.hint_prose or (), cli_step) == (
        "List the profiles with `difyops auth status`; sign in as 'nope' with "
        "`difyops auth login --host URL --profile nope`."
    )
    ProfileStore().upsert(
        "lost", Profile(host="https://dify.test", email="ada@acme.example"), make_default=True
    )
    with pytest.raises(CredentialsNotFoundError, match="no stored token"):
        resolve_credentials()


def test_a_damaged_config_file_is_reported_not_crashed_on() -> None:
    from dify_client import ConfigFileError

    config_dir().mkdir(parents=True)
    (config_dir() / "config.json").write_text('{"version": 1, "profiles": {"x": {"host": 1}}}')
    with pytest.raises(ConfigFileError, match=r"config\.json: profiles\.x"):
        ProfileStore().load()


@pytest.mark.parametrize(
    "stored",
    [
        {"version": 1, "tokens": {"https://dify.test": TOKEN.get_secret_value()}},
        {"version": 1, "tokens": [TOKEN.get_secret_value()]},
        {"version": 1, "tokens": {"https://dify.test": {"ada@acme.example": 42}}},
        [TOKEN.get_secret_value()],
    ],
)
def test_a_credentials_file_of_another_shape_is_reported_without_its_tokens(stored) -> None:
    """A hand-edited token store was 'unexpected error: AttributeError … This is a bug';
    it is one line saying what the file should hold, and never quotes what it holds."""
    from dify_client import ConfigFileError

    config_dir().mkdir(parents=True)
    (config_dir() / "credentials.json").write_text(json.dumps(stored))
    with pytest.raises(ConfigFileError, match=r"credentials\.json is not a credentials file") as e:
        CredentialStore().load("https://dify.test", "ada@acme.example", "file")
    assert TOKEN.get_secret_value() not in str(e.value)
    assert "sign in again" in say(e.value.hint_prose, cli_step)
