"""`difyops auth` with several profiles (issue 15): signing one out keeps the others, a
refused token names its profile and says whether it expired or was revoked, `auth status`
answers for the chosen profile, `auth use` sets the default, plain http is warned about."""

from __future__ import annotations

import json

from pydantic import SecretStr

from dify_client.profiles import CredentialStore, Profile, ProfileStore
from tests.cli.test_auth import person  # noqa: F401 — the fixture approving a login
from tests.support.emulator import EmulatorHandle

ADA = "ada@acme.example"
GRACE = "grace@acme.example"


def add_profile(
    name: str,
    host: str,
    token: str,
    *,
    email: str = ADA,
    expires_at: str | None = None,
    default: bool = False,
) -> None:
    """What `auth login -p NAME` leaves behind, without the browser."""
    storage = CredentialStore().save(host, email, SecretStr(token))
    profile = Profile(host=host, email=email, token_storage=storage, token_expires_at=expires_at)
    ProfileStore().upsert(name, profile, make_default=default)


def test_logout_of_one_profile_keeps_the_token_another_profile_uses(
    invoke, emulator: EmulatorHandle
) -> None:
    # Two names for the same account on the same server share its one token.
    token = emulator.admin.token(ADA)
    add_profile("default", emulator.base_url, token, default=True)
    add_profile("other", emulator.base_url, token)
    logout = invoke("auth", "logout", "-p", "other")
    assert logout.exit_code == 0, logout.output
    assert "token kept" in logout.stdout and "'default'" in logout.stdout
    assert token not in logout.output
    # The default profile still works: neither wiped locally nor revoked on the server.
    status = invoke("auth", "status", "-p", "default", "--json")
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)[0]["valid"] is True
    listed = invoke("apps", "list", "-p", "default", "--json")
    assert listed.exit_code == 0, listed.output
    # Signing out the last profile of the account revokes the token.
    last = invoke("auth", "logout", "-p", "default")
    assert last.exit_code == 0 and "revoked on the server" in last.stdout


def test_a_revoked_token_names_its_profile_in_the_error_and_the_hint(
    invoke, emulator: EmulatorHandle
) -> None:
    add_profile("default", emulator.base_url, emulator.admin.token(ADA), default=True)
    minted = emulator.admin.mint(GRACE)
    add_profile("other", emulator.base_url, minted["token"], email=GRACE)
    assert invoke("apps", "list", "-p", "other").exit_code == 0
    # The token is revoked on the server (here through its own session list).
    revoke = invoke("sessions", "revoke", minted["token_id"], "-p", "other")
    assert revoke.exit_code == 0, revoke.output
    result = invoke("apps", "list", "-p", "other")
    assert result.exit_code == 4
    assert "profile 'other'" in result.stderr
    assert "revoked" in result.stderr and "expired" not in result.stderr
    assert "`difyops auth login -p other`" in result.stderr
    assert minted["token"] not in result.output
    as_json = invoke("apps", "list", "-p", "other", "--json")
    error = json.loads(as_json.stderr)["error"]
    assert error["code"] == "unauthorized"
    assert "difyops auth login -p other" in error["hint"]


def test_an_expired_token_says_it_expired(invoke, emulator: EmulatorHandle) -> None:
    minted = emulator.admin.mint(ADA, ttl_seconds=60)
    # The sign-in recorded when the token expires; that time has passed.
    add_profile("other", emulator.base_url, minted["token"], expires_at="2020-01-01T00:00:00Z")
    emulator.admin.advance(120)  # the server's clock: the token is past its lifetime
    result = invoke("apps", "list", "-p", "other")
    assert result.exit_code == 4
    assert "profile 'other'" in result.stderr
    assert "expired at 2020-01-01T00:00:00Z" in result.stderr
    assert "revoked" not in result.stderr
    assert "`difyops auth login -p other`" in result.stderr
    status = invoke("auth", "status", "-p", "other", "--json")
    assert status.exit_code == 4
    entry = json.loads(status.stdout)[0]
    assert entry["token_state"] == "expired" and "expired" in entry["problem"]


def test_status_exit_code_answers_for_the_chosen_profile(invoke, emulator: EmulatorHandle) -> None:
    add_profile("default", emulator.base_url, emulator.admin.token(ADA), default=True)
    add_profile("other", emulator.base_url, "dfoa_" + "x" * 43, email=GRACE)
    everything = invoke("auth", "status")
    # The default profile works: exit 0, the broken one listed all the same.
    assert everything.exit_code == 0, everything.output
    assert "other: grace@acme.example" in everything.stdout
    assert "INVALID" in everything.stdout
    assert invoke("auth", "status", "-p", "default").exit_code == 0
    chosen = invoke("auth", "status", "-p", "other")
    assert chosen.exit_code == 4
    assert "revoked or unknown" in chosen.stdout


def test_auth_use_sets_the_default_profile(invoke, emulator: EmulatorHandle) -> None:
    add_profile("default", emulator.base_url, emulator.admin.token(ADA), default=True)
    add_profile("other", emulator.base_url, "dfoa_" + "x" * 43, email=GRACE)
    switched = invoke("auth", "use", "other")
    assert switched.exit_code == 0, switched.output
    assert "Default profile: other" in switched.stdout
    assert json.loads((ProfileStore().path).read_text())["default_profile"] == "other"
    # Commands without --profile now use it, and `auth status` answers for it.
    status = invoke("auth", "status")
    assert status.exit_code == 4
    assert "* other:" in status.stdout
    assert invoke("apps", "list").exit_code == 4
    back = invoke("auth", "use", "default")
    assert back.exit_code == 0
    assert invoke("apps", "list").exit_code == 0
    unknown = invoke("auth", "use", "nope")
    assert unknown.exit_code == 2
    assert "no profile 'nope'" in unknown.stderr and "default, other" in unknown.stderr


def test_login_warns_about_plain_http_to_another_machine(invoke) -> None:
    result = invoke("auth", "login", "--host", "http://dify.invalid", "--no-browser")
    assert result.exit_code != 0
    assert "warning" in result.stderr and "plain http" in result.stderr


def test_login_to_this_machine_over_http_is_not_warned_about(
    invoke,
    emulator: EmulatorHandle,
    person: list[str],  # noqa: F811
) -> None:
    assert emulator.base_url.startswith("http://")
    result = invoke("auth", "login", "--host", emulator.base_url, "--no-browser")
    assert result.exit_code == 0, result.output
    assert "plain http" not in result.stderr
