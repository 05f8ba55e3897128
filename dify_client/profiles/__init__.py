"""Where a client finds its server and token: profiles, stored tokens, environment.

Precedence: `DIFY_SERVER` + `DIFY_TOKEN` (the official CLI's names, for CI) > the named
profile > the default profile. Profiles live in `<config dir>/config.json`; tokens in the
OS keyring when one works, else in `<config dir>/credentials.json` (mode 0600, directory
0700). The config dir is `DIFYOPS_CONFIG_DIR`, else XDG (`~/.config/difyops`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pydantic import SecretStr

from dify_client._client import DifyClient, normalize_base_url
from dify_client._errors import CredentialsNotFoundError
from dify_client.models.lookup import loose_name, near_name
from dify_client.profiles._credentials import KEYRING_SERVICE, CredentialStore
from dify_client.profiles._paths import config_dir
from dify_client.profiles._profiles import ConfigFile, Profile, ProfileStore, TokenStorage
from dify_client.remedies import Remedy, Step


@dataclass(frozen=True)
class Credentials:
    """A server and a token to use with it, and where they came from."""

    host: str
    token: SecretStr
    profile_name: str | None
    profile: Profile | None

    @property
    def source(self) -> str:
        return f"profile {self.profile_name!r}" if self.profile_name else "DIFY_SERVER/DIFY_TOKEN"

    def client(
        self,
        *,
        rate_limit: int | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
    ) -> DifyClient:
        if timeout is None:
            return DifyClient(self.host, self.token, rate_limit=rate_limit, max_retries=max_retries)
        return DifyClient(
            self.host, self.token, rate_limit=rate_limit, max_retries=max_retries, timeout=timeout
        )

    def __repr__(self) -> str:
        return f"Credentials(host={self.host!r}, source={self.source!r}, token=[redacted])"


def resolve_credentials(profile: str | None = None) -> Credentials:
    """The server and token to use, following the documented precedence."""
    env_server = os.environ.get("DIFY_SERVER")
    env_token = os.environ.get("DIFY_TOKEN")
    if env_token and not profile:
        if not env_server:
            raise CredentialsNotFoundError(
                "DIFY_TOKEN is set but DIFY_SERVER is not",
                hint="Set DIFY_SERVER to the Dify base URL, e.g. https://dify.example.com.",
            )
        return Credentials(normalize_base_url(env_server), SecretStr(env_token), None, None)
    store = ProfileStore()
    found = store.get(profile)
    if found is None and profile:
        # "Staging" for "staging": the one profile of that name, case and spacing aside.
        names = list(store.load().profiles)
        loose = loose_name(names, profile)
        found = store.get(loose) if loose else None
        if found is None:
            near = near_name(names, profile)
            raise CredentialsNotFoundError(
                f"no profile named {profile!r}",
                hint=(
                    Step(Remedy.LIST_PROFILES, "List the profiles"),
                    "; ",
                    Step(Remedy.SIGN_IN_PROFILE, f"sign in as {profile!r}", profile=profile),
                    f". Did you mean {near!r}?" if near else ".",
                ),
            )
    if found is None:
        raise CredentialsNotFoundError(
            "not signed in",
            hint=(
                Step(Remedy.SIGN_IN_FIRST, "Sign in"),
                ", or set DIFY_SERVER and DIFY_TOKEN.",
            ),
        )
    name, chosen = found
    token = CredentialStore().load(chosen.host, chosen.email, chosen.token_storage)
    if token is None:
        raise CredentialsNotFoundError(
            f"profile {name!r} has no stored token for {chosen.email} on {chosen.host}",
            hint=(
                Step(Remedy.SIGN_IN_PROFILE, "Sign in again", host=chosen.host, profile=name),
                ".",
            ),
        )
    return Credentials(chosen.host, token, name, chosen)


__all__ = [
    "KEYRING_SERVICE",
    "ConfigFile",
    "CredentialStore",
    "Credentials",
    "Profile",
    "ProfileStore",
    "TokenStorage",
    "config_dir",
    "resolve_credentials",
]
