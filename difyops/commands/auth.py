"""`difyops auth login|logout|status`: sign in through Dify's device flow."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import webbrowser
from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer

from difyops._options import JsonOption, ProfileOption
from difyops._output import Output
from difyops.exceptions import ExitCode, NotSignedInError, UsageError

if TYPE_CHECKING:  # the client is imported where it is used: `--help` loads none of it
    from pydantic import SecretStr

    from dify_client import Clock, PollUpdate
    from dify_client.models import DeviceToken
    from dify_client.profiles import ConfigFile, Credentials, Profile, ProfileStore
app = typer.Typer(help="Sign in and out, and see who you are signed in as.", no_args_is_help=True)

DEFAULT_CLIENT_ID = "difyctl"  # the one client id stock Dify servers accept by default


# Polling waits on this clock; tests swap in one that does not sleep for real.
def _system_clock() -> Clock:
    from dify_client import SystemClock  # noqa: PLC0415

    return SystemClock()


make_clock: Callable[[], Clock] = _system_clock


# Long mostly by its signature: Typer declares each flag as an annotated parameter.
@app.command()
def login(
    host: Annotated[
        str | None,
        typer.Option(help="Dify base URL, e.g. https://dify.example.com (default: the profile's)."),
    ] = None,
    profile: ProfileOption = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Only print the URL; do not open a browser.")
    ] = False,
    client_id: Annotated[
        str, typer.Option(help="OAuth client id the server knows (OPENAPI_KNOWN_CLIENT_IDS).")
    ] = DEFAULT_CLIENT_ID,
    device_label: Annotated[
        str | None, typer.Option(help="How this machine is named in your session list.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Sign in through the browser with a one-time code (OAuth device flow).

    Shows a code and a URL, opens the browser when there is one, and waits until you
    approve (Ctrl-C cancels). The token is stored in the OS keyring when one works, else in
    a 0600 file in the config directory (DIFYOPS_CONFIG_DIR).
    """
    from dify_client import DeviceFlow, DifyClient  # noqa: PLC0415
    from dify_client.profiles import ProfileStore  # noqa: PLC0415

    out = Output(json_mode=json_output)
    store = ProfileStore()
    config = store.load()
    host_url = _login_host(host, profile, config)
    if _cleartext(host_url):
        out.warn(
            f"{host_url} is plain http: the sign-in code and the token cross the network "
            "unencrypted; use https:// for anything but this machine"
        )
    label = device_label or f"difyops on {socket.gethostname()}"
    clock = make_clock()
    with DifyClient(host_url, clock=clock) as client:
        server = client.probe()
        flow = DeviceFlow(
            client.device,
            client_id=client_id,
            device_label=label,
            clock=clock,
            on_update=_progress_printer(out),
        )
        code = flow.start()
        out.note(f"Dify {server.version} ({server.edition}) at {client.base_url}")
        out.note(f"Open {code.verification_uri} and enter the code: {code.user_code}")
        if not no_browser and _can_open_browser():
            webbrowser.open(code.verification_uri, new=2)
        waiting = f"Waiting for approval (code valid {code.expires_in // 60} min; Ctrl-C cancels)…"
        with out.err.status(waiting) if out.interactive else nullcontext():
            token = flow.wait(code)
    name, saved = _save_login(store, config, host_url, profile, token)
    workspace = saved.workspace_name or saved.workspace_id or "none"
    out.result(
        {
            "profile": name,
            "host": host_url,
            "account": token.account,
            "workspace_id": saved.workspace_id,
            "token_storage": saved.token_storage,
            "token_expires_at": saved.token_expires_at,
        },
        f"Signed in to {host_url} as {saved.email}"
        + (f" ({saved.account_name})" if saved.account_name else "")
        + f"\nWorkspace: {workspace}\nProfile: {name} (token in {saved.token_storage})",
    )


def _known_profile(config: ConfigFile, profile: str | None) -> str | None:
    """The profile's name as stored (case and spacing aside when only one matches); a
    name no profile has is a usage error with a "did you mean", as in every command."""
    if profile is None or profile in config.profiles:
        return profile
    from dify_client.profiles import resolve_credentials  # noqa: PLC0415

    # The one place that words an unknown profile; it also takes "Staging" for "staging".
    return resolve_credentials(profile).profile_name or profile


@app.command()
def logout(profile: ProfileOption = None, json_output: JsonOption = False) -> None:
    """Revoke this session on the server, then forget it locally.

    Local state is cleared even when the server cannot be reached (you are told so).
    """
    from dify_client import AuthenticationError, DifyClient, DifyError  # noqa: PLC0415
    from dify_client.profiles import CredentialStore, ProfileStore  # noqa: PLC0415

    out = Output(json_mode=json_output)
    store = ProfileStore()
    found = store.get(_known_profile(store.load(), profile))
    if found is None:
        raise NotSignedInError(
            f"no profile {profile!r}" if profile else "not signed in",
            hint="`difyops auth status` lists profiles.",
        )
    name, chosen = found
    # Tokens are stored per host and account: profiles of the same account on the same host
    # share one (a new sign-in of the account replaces its token on the server). Signing
    # one of them out must leave the token to the others.
    sharing = [
        other
        for other, kept in store.load().profiles.items()
        if other != name and kept.host == chosen.host and kept.email == chosen.email
    ]
    credentials = CredentialStore()
    token = credentials.load(chosen.host, chosen.email, chosen.token_storage)
    revoked = "no token stored"
    if sharing:
        revoked = f"token kept: profile {', '.join(map(repr, sharing))} uses it"
    elif token is not None:
        try:
            with DifyClient(chosen.host, token, max_retries=1) as client:
                client.sessions.revoke_current()
            revoked = "revoked on the server"
        except AuthenticationError:
            revoked = "already invalid on the server"
        except DifyError as exc:
            # Unreachable, 5xx, or anything else: local state is cleared all the same.
            revoked = "not revoked on the server"
            out.warn(f"{exc}; the token stays valid on the server until it expires")
    if not sharing:
        credentials.delete(chosen.host, chosen.email)
    store.remove(name)
    out.result(
        {"profile": name, "host": chosen.host, "email": chosen.email, "server": revoked},
        f"Signed out of {chosen.host} as {chosen.email} (profile {name}; {revoked}).",
    )


@app.command()
def status(
    profile: ProfileOption = None,
    offline: Annotated[bool, typer.Option(help="Do not ask the server; local state only.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Show the profiles and whether their tokens still work (exit 4 when not signed in)."""
    from dify_client.profiles import Credentials, CredentialStore, ProfileStore, resolve_credentials  # noqa: PLC0415

    out = Output(json_mode=json_output)
    if os.environ.get("DIFY_TOKEN") and not profile:
        connection = resolve_credentials(None)
        env_entry: dict[str, object] = {
            "profile": None,
            "host": connection.host,
            "source": connection.source,
        }
        if not offline:
            env_entry.update(_check(connection.host, connection.token))
        out.result([env_entry], _status_line(env_entry))
        _exit_if_invalid([env_entry])
        return
    config = ProfileStore().load()
    profile = _known_profile(config, profile)
    names = [profile] if profile else list(config.profiles)
    # The exit code answers for the profile commands would use: the one asked for, else
    # the default; the others are listed for information.
    chosen_name = profile or config.default_profile
    if not names or (profile and profile not in config.profiles):
        raise NotSignedInError(
            f"no profile {profile!r}" if profile else "not signed in",
            hint="Run `difyops auth login --host URL`.",
        )
    credentials = CredentialStore()
    entries: list[dict[str, object]] = []
    for name in names:
        chosen = config.profiles[name]
        entry: dict[str, object] = {
            "profile": name,
            "default": name == config.default_profile,
            "host": chosen.host,
            "email": chosen.email,
            "workspace_id": chosen.workspace_id,
            "workspace_name": chosen.workspace_name,
            "token_storage": chosen.token_storage,
            "token_expires_at": chosen.token_expires_at,
        }
        token = credentials.load(chosen.host, chosen.email, chosen.token_storage)
        if token is None:
            entry["valid"] = False
            entry["problem"] = "no stored token"
        elif not offline:
            entry.update(_check(chosen.host, token, Credentials(chosen.host, token, name, chosen)))
        entries.append(entry)
    if json_output:
        out.json(entries)
    else:
        for entry in entries:
            out.line(_status_line(entry))
    _exit_if_invalid([e for e in entries if e["profile"] == chosen_name])


@app.command("use")
def use(
    name: Annotated[
        str, typer.Argument(metavar="PROFILE", help="The profile to make the default.")
    ],
    json_output: JsonOption = False,
) -> None:
    """Make PROFILE the default profile (used when no --profile is given)."""
    from dify_client.models.lookup import near_name  # noqa: PLC0415
    from dify_client.profiles import ProfileStore  # noqa: PLC0415

    out = Output(json_mode=json_output)
    store = ProfileStore()
    config = store.load()
    if name not in config.profiles:
        known = ", ".join(sorted(config.profiles)) or "none"
        near = near_name(list(config.profiles), name)
        raise UsageError(
            f"no profile {name!r} (profiles: {known})",
            hint=(f"Did you mean {near!r}? " if near else "")
            + "`difyops auth status` lists profiles; `difyops auth login -p NAME` adds one.",
        )
    previous = config.default_profile
    config.default_profile = name
    store.save(config)
    chosen = config.profiles[name]
    out.result(
        {"default_profile": name, "previous": previous, "host": chosen.host, "email": chosen.email},
        f"Default profile: {name} ({chosen.email} on {chosen.host})",
    )


def _check(
    host: str, token: SecretStr, credentials: Credentials | None = None
) -> dict[str, object]:
    from dify_client import AuthenticationError, DifyClient, DifyConnectionError  # noqa: PLC0415
    from dify_client.profiles import Credentials  # noqa: PLC0415

    try:
        with DifyClient(host, token, max_retries=1) as client:
            account = client.account.get()
    except AuthenticationError as exc:
        state = (credentials or Credentials(host, token, None, None)).token_state(exc)
        said = "token expired" if state == "expired" else "token revoked or unknown to the server"
        return {"valid": False, "token_state": state, "problem": f"{said} ({exc.message})"}
    except DifyConnectionError as exc:
        return {"valid": None, "problem": exc.message}
    email = account.account.email if account.account else account.subject_email
    return {"valid": True, "server_email": email}


def _status_line(entry: dict[str, object]) -> str:
    marker = "*" if entry.get("default") else " "
    who = entry.get("email") or entry.get("server_email") or "?"
    valid = entry.get("valid")
    state = "valid" if valid is True else "INVALID" if valid is False else "unchecked"
    problem = f" — {entry['problem']}" if entry.get("problem") else ""
    name = entry.get("profile") or "(environment)"
    workspace = entry.get("workspace_name") or entry.get("workspace_id") or "-"
    return f"{marker} {name}: {who} on {entry['host']} [workspace {workspace}] {state}{problem}"


def _exit_if_invalid(entries: list[dict[str, object]]) -> None:
    if any(entry.get("valid") is False for entry in entries):
        raise typer.Exit(int(ExitCode.AUTH))
    if any("valid" in entry and entry["valid"] is None for entry in entries):
        raise typer.Exit(int(ExitCode.ERROR))  # the server could not be asked


def _cleartext(host: str) -> bool:
    """An http:// URL to anything but this machine."""
    parts = urlsplit(host)
    if parts.scheme != "http":
        return False
    name = (parts.hostname or "").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(name).is_loopback
    except ValueError:
        return True


def _login_host(host: str | None, profile: str | None, config: ConfigFile) -> str:
    from dify_client import normalize_base_url  # noqa: PLC0415

    if host:
        return normalize_base_url(host)
    name = profile or config.default_profile
    if name and name in config.profiles:
        return config.profiles[name].host
    raise UsageError(
        "which Dify server? pass --host",
        hint="e.g. difyops auth login --host https://dify.example.com",
    )


def _save_login(
    store: ProfileStore,
    config: ConfigFile,
    host: str,
    profile: str | None,
    token: DeviceToken,
) -> tuple[str, Profile]:
    from dify_client.profiles import CredentialStore, Profile  # noqa: PLC0415

    email = token.account.email if token.account else (token.subject_email or "")
    if not email:
        raise UsageError("the server's answer names no account email; cannot store the login")
    storage = CredentialStore().save(host, email, token.token)
    workspace_name = next(
        (w.name for w in token.workspaces if w.id == token.default_workspace_id), None
    )
    saved = Profile(
        host=host,
        email=email,
        account_id=token.account.id if token.account else None,
        account_name=token.account.name if token.account else None,
        workspace_id=token.default_workspace_id,
        workspace_name=workspace_name,
        token_id=token.token_id,
        token_expires_at=token.expires_at,
        token_storage=storage,
    )
    name = profile or _profile_name_for(config, host, email)
    store.upsert(name, saved, make_default=not config.profiles or name == config.default_profile)
    return name, saved


def _profile_name_for(config: ConfigFile, host: str, email: str) -> str:
    for name, existing in config.profiles.items():
        if existing.host == host and existing.email == email:
            return name
    if not config.profiles:
        return "default"
    base = urlsplit(host).hostname or "dify"
    return base if base not in config.profiles else f"{base}-{email.split('@', 1)[0]}"


def _can_open_browser() -> bool:
    if os.environ.get("SSH_CONNECTION") or os.environ.get("CI"):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _progress_printer(out: Output) -> Callable[[PollUpdate], None]:
    def show(update: PollUpdate) -> None:
        if update.answer == "slow_down":
            out.note(f"server asked to slow down; polling every {update.interval:g} s")
        elif update.answer == "retrying":
            out.note("server error while waiting; still trying")

    return show
