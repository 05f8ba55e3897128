"""Which server, token and workspace a command uses.

Precedence, so CI needs no browser and a person needs no flags:
- server and token: see `dify_client.profiles` (`DIFY_SERVER` + `DIFY_TOKEN` > `--profile`
  > the default profile);
- workspace: `--workspace` (id or name, case aside when only one matches) >
  `DIFY_WORKSPACE_ID` > the profile's workspace > the account's default workspace on
  the server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from dify_client import (
    AuthenticationError,
    DifyClient,
    WorkspaceLookupError,
    find_workspace,
    is_uuid,
)
from dify_client.models import Workspace
from dify_client.profiles import Credentials, resolve_credentials
from difyops._completion import remember_workspaces
from difyops.exceptions import UsageError

# The CLI calls them connections; they are the client's resolved credentials.
Connection = Credentials


@contextmanager
def open_client(profile: str | None = None) -> Iterator[tuple[Connection, DifyClient]]:
    """The connection for `profile` and a client on it, closed afterwards."""
    connection = resolve_credentials(profile)
    with connection.client() as client:
        try:
            yield connection, client
        except AuthenticationError as exc:
            # Say which profile's token was refused, and why, so the hint can name it.
            connection.explain_rejection(exc)
            raise


@dataclass(frozen=True)
class WorkspaceChoice:
    id: str
    name: str | None
    source: str


def resolve_workspace(
    client: DifyClient, connection: Connection, flag: str | None
) -> WorkspaceChoice:
    """The workspace a command acts on; a name is matched against `GET /workspaces`."""
    if flag:
        return _by_id_or_name(client, flag, source="--workspace")
    env = os.environ.get("DIFY_WORKSPACE_ID")
    if env:
        if not is_uuid(env):
            raise UsageError(
                f"DIFY_WORKSPACE_ID is not a workspace id: {env!r}",
                hint="Set it to an id (`difyops workspaces list` shows them), or pass "
                "--workspace NAME.",
            )
        return WorkspaceChoice(env, None, "DIFY_WORKSPACE_ID")
    if connection.profile and connection.profile.workspace_id:
        return WorkspaceChoice(
            connection.profile.workspace_id, connection.profile.workspace_name, "profile"
        )
    account = client.account.get()
    if account.default_workspace_id:
        name = next(
            (w.name for w in account.workspaces if w.id == account.default_workspace_id), None
        )
        return WorkspaceChoice(account.default_workspace_id, name, "account default")
    raise UsageError(
        "no workspace chosen and the account has no default workspace",
        hint="Pass --workspace ID|NAME or set DIFY_WORKSPACE_ID.",
    )


def _by_id_or_name(client: DifyClient, value: str, *, source: str) -> WorkspaceChoice:
    if is_uuid(value):
        return WorkspaceChoice(value, None, source)
    workspaces = client.workspaces.list()
    remember_workspaces(client.base_url, workspaces)  # for shell completion
    return WorkspaceChoice(*_match_workspace(workspaces, value), source)


def _match_workspace(workspaces: list[Workspace], value: str) -> tuple[str, str]:
    try:
        found = find_workspace(workspaces, value, by="name")
    except WorkspaceLookupError as exc:
        raise UsageError(exc.message, hint=exc.hint) from None
    return found.id, found.name
