"""Where a client finds its server and token: profiles, stored tokens, environment.

Precedence: `DIFY_SERVER` + `DIFY_TOKEN` (the official CLI's names, for CI) > the named
profile > the default profile. Profiles live in `<config dir>/config.json`; tokens in the
OS keyring when one works, else in `<config dir>/credentials.json` (mode 0600, directory
0700). The config dir is `DIFYOPS_CONFIG_DIR`, else XDG (`~/.config/difyops`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import SecretStr

from dify_client._client import DifyClient, normalize_base_url
from dify_client._errors import (
    AuthenticationError,
    CredentialsNotFoundError,
    DifyError,
    UnknownProfileError,
)
from dify_client.models.lookup import loose_name, near_name
from dify_client.profiles._credentials import KEYRING_SERVICE, CredentialStore
from dify_client.profiles._paths import config_dir
from dify_client.profiles._profiles import ConfigFile, Profile, ProfileStore, TokenStorage
from dify_client.remedies import Prose, Remedy, Step, say


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
            client = DifyClient(
                self.host, self.token, rate_limit=rate_limit, max_retries=max_retries
            )
        else:
            client = DifyClient(
                self.host,
                self.token,
                rate_limit=rate_limit,
                max_retries=max_retries,
                timeout=timeout,
            )
        # Wherever the client is used (a command, a job's task), a refused token of a
        # profile says whose it was. DIFY_TOKEN's refusal keeps the client's own words
        # in a job (a flow run words it for its deployment); commands reword it themselves.
        if self.profile_name:
            client.on_rejected = self.explain_rejection
        return client

    def __repr__(self) -> str:
        return f"Credentials(host={self.host!r}, source={self.source!r}, token=[redacted])"

    def token_state(self, exc: AuthenticationError) -> str:
        """Why the server refused this token: "expired" (the server's `token_expired`, or
        the expiry recorded at sign-in has passed) or "revoked" (revoked, or unknown to the
        server: the S2 server answers both, and expiry too, with one 401)."""
        if exc.code == "token_expired":
            return "expired"
        expires = _parse_time(self.profile.token_expires_at if self.profile else None)
        if expires is not None and expires <= datetime.now(UTC):
            return "expired"
        return "revoked"

    def explain_rejection(self, exc: AuthenticationError) -> AuthenticationError:
        """`exc` (a 401 for this token) reworded to name the profile, the host, and whether
        the token expired or was revoked, with a hint to sign in as that profile again."""
        if exc.explained:
            return exc  # already reworded (the client and the command both ask)
        if exc.code not in {"unauthorized", "token_expired"} or "account" in exc.message.lower():
            return exc  # not about the token: e.g. the account behind it is gone
        exc.explained = True
        exc.profile = self.profile_name
        state = self.token_state(exc)
        if state == "expired":
            when = self.profile.token_expires_at if self.profile else None
            why = f"expired{f' at {when}' if when else ''}"
        else:
            why = "was revoked or is unknown to the server"
        prose: Prose
        if self.profile_name and self.profile:
            exc.message = (
                f"the token of profile {self.profile_name!r} ({self.profile.email} on "
                f"{self.host}) {why} ({exc.message})"
            )
            prose = (
                Step(
                    Remedy.SIGN_IN_PROFILE,
                    "Sign in again",
                    host=self.host,
                    profile=self.profile_name,
                ),
                ".",
            )
        else:
            exc.message = f"DIFY_TOKEN for {self.host} {why} ({exc.message})"
            prose = ("Set DIFY_TOKEN to a live token for ", self.host, ".")
        error: DifyError = exc  # AuthenticationError's class default is narrower than Prose
        error.hint_prose, error.hint = prose, say(prose)
        return exc


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
            there = ", ".join(sorted(names)) if names else "none yet"
            raise UnknownProfileError(
                f"no profile named {profile!r} (profiles: {there})",
                asked=profile,
                profiles=sorted(names),
                suggestion=near,
                hint=(
                    f"Did you mean {near!r}? " if near else "",
                    Step(Remedy.LIST_PROFILES, "List the profiles"),
                    "; ",
                    Step(Remedy.SIGN_IN_PROFILE, f"sign in as {profile!r}", profile=profile),
                    ".",
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
