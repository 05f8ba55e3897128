"""Bearer tokens per (host, account): in the OS keyring when one works, else a 0600 file.

The keyring is probed with a write/read/delete round trip at sign-in; a keyring that is
present but broken (no Secret Service on a headless box, a locked keychain) falls back to
the file instead of failing the login. The choice is recorded in the profile so later
commands look in the right place.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from pydantic import SecretStr

from dify_client._errors import ConfigFileError
from dify_client.profiles._atomic import write_private
from dify_client.profiles._paths import config_dir
from dify_client.profiles._profiles import TokenStorage
from dify_client.remedies import Remedy, Step

KEYRING_SERVICE = "difyops"


def _keyring_user(host: str, email: str) -> str:
    return f"{host} {email}"


class CredentialStore:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or config_dir()
        self.path = self.directory / "credentials.json"

    def keyring_works(self) -> bool:
        probe_user = "__difyops_probe__"
        try:
            backend = keyring.get_keyring()
            if getattr(backend, "priority", 0) <= 0:
                return False
            keyring.set_password(KEYRING_SERVICE, probe_user, "probe")
            ok = keyring.get_password(KEYRING_SERVICE, probe_user) == "probe"
            keyring.delete_password(KEYRING_SERVICE, probe_user)
        except (keyring.errors.KeyringError, RuntimeError, OSError):
            return False
        return ok

    def save(self, host: str, email: str, token: SecretStr) -> TokenStorage:
        if self.keyring_works():
            try:
                keyring.set_password(
                    KEYRING_SERVICE, _keyring_user(host, email), token.get_secret_value()
                )
            except (keyring.errors.KeyringError, RuntimeError, OSError):
                pass
            else:
                self._delete_from_file(host, email)
                return "keyring"
        tokens = self._read_file()
        tokens.setdefault(host, {})[email] = token.get_secret_value()
        self._write_file(tokens)
        return "file"

    def load(self, host: str, email: str, storage: TokenStorage) -> SecretStr | None:
        if storage == "keyring":
            try:
                value = keyring.get_password(KEYRING_SERVICE, _keyring_user(host, email))
            except (keyring.errors.KeyringError, RuntimeError, OSError):
                value = None
        else:
            value = self._read_file().get(host, {}).get(email)
        return SecretStr(value) if value else None

    def delete(self, host: str, email: str) -> None:
        with contextlib.suppress(keyring.errors.KeyringError, RuntimeError, OSError):
            keyring.delete_password(KEYRING_SERVICE, _keyring_user(host, email))
        self._delete_from_file(host, email)

    def _delete_from_file(self, host: str, email: str) -> None:
        tokens = self._read_file()
        if email in tokens.get(host, {}):
            del tokens[host][email]
            if not tokens[host]:
                del tokens[host]
            self._write_file(tokens)

    def _read_file(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        try:
            data: Any = json.loads(self.path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ConfigFileError(
                f"{self.path} is not valid JSON ({exc.msg} at line {exc.lineno})",
                hint=("Delete it and ", Step(Remedy.SIGN_IN, "sign in again"), "."),
            ) from exc
        data = {} if data is None else data
        tokens = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(data, dict) or not _is_token_table(tokens or {}):
            # Never quote what is there: the values are tokens.
            raise ConfigFileError(
                f"{self.path} is not a credentials file of this tool (expected "
                '"tokens": {host: {email: token}})',
                hint=("Delete it and ", Step(Remedy.SIGN_IN, "sign in again"), "."),
            )
        return {
            str(h): {str(e): str(t) for e, t in accounts.items()}
            for h, accounts in (tokens or {}).items()
        }

    def _write_file(self, tokens: dict[str, dict[str, str]]) -> None:
        write_private(self.path, json.dumps({"version": 1, "tokens": tokens}, indent=2) + "\n")


def _is_token_table(tokens: Any) -> bool:
    """`{host: {email: token}}`, every token a string."""
    return isinstance(tokens, dict) and all(
        isinstance(accounts, dict) and all(isinstance(t, str) for t in accounts.values())
        for accounts in tokens.values()
    )
