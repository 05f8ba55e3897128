"""A `DifyClient` bound to the members ports (`reconcile.members.ports`).

The one place a members run turns the client's errors into the port's: a writer reports
every failed call as `CallFailed`, with Dify's status and code when the server answered,
so the apply policy in reconcile tells "already done" from "failed" without knowing HTTP.
Reads are not translated: their errors are rendered at the edge like any other call's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from pydantic import SecretStr

from dify_client import (
    MAX_PAGE_LIMIT,
    APIStatusError,
    DifyClient,
    DifyConnectionError,
    DifyError,
    normalize_base_url,
)
from dify_client.models import Account, AssignableRole, Member
from jobs import Source
from reconcile.members.manifest import WorkspaceManifest
from reconcile.members.planner import MembersPlan
from reconcile.members.ports import CallFailed, MembersReader, MemberWriter, OpenReader, OpenWriter
from tasks.sources import open_client


def source_for(source: Source, profile: str | None) -> Source:
    """The credentials for a manifest workspace: an explicit profile or Secret block
    wins, then DIFY_SERVER/DIFY_TOKEN (CI), then the profile the manifest names."""
    if source.profile or source.token_block or not profile or os.environ.get("DIFY_TOKEN"):
        return source
    return Source(profile=profile)


@contextmanager
def _as_call_failed() -> Iterator[None]:
    try:
        yield
    except APIStatusError as exc:
        raise CallFailed(exc.message, hint=exc.hint, http_status=exc.status, code=exc.code) from exc
    except DifyError as exc:
        # Sent but unanswered: the server may have made the change (apply reads it back).
        maybe_applied = isinstance(exc, DifyConnectionError) and exc.sent
        raise CallFailed(exc.message, hint=exc.hint, maybe_applied=maybe_applied) from exc


class ClientMemberWriter:
    """`MemberWriter` for one workspace, one API call per change."""

    def __init__(self, client: DifyClient, workspace_id: str) -> None:
        self._client = client
        self._workspace_id = workspace_id

    @property
    def base_url(self) -> str:
        return self._client.base_url

    def invite(self, email: str, role: AssignableRole) -> SecretStr:
        with _as_call_failed():
            return self._client.members.invite(self._workspace_id, email, role).invite_url

    def update_role(self, member_id: str, role: AssignableRole) -> None:
        with _as_call_failed():
            self._client.members.update_role(self._workspace_id, member_id, role)

    def remove(self, member_id: str) -> None:
        with _as_call_failed():
            self._client.members.remove(self._workspace_id, member_id)

    def members(self) -> list[Member]:
        with _as_call_failed():
            return list(self._client.members.list(self._workspace_id, limit=MAX_PAGE_LIMIT))


def writer_opener(source: Source, rate_limit: int | None) -> OpenWriter:
    """Opens a writer per workspace plan, with the credentials its profile calls for."""

    @contextmanager
    def open_writer(plan: MembersPlan) -> Iterator[MemberWriter]:
        with _as_call_failed():
            client = open_client(source_for(source, plan.profile), rate_limit=rate_limit)
        with client:
            yield ClientMemberWriter(client, plan.workspace_id)

    return open_writer


class ClientMembersReader:
    """`MembersReader`: `GET /account`, then the member pages at the largest page size."""

    def __init__(self, client: DifyClient, say: Callable[[str], None] | None = None) -> None:
        self._client = client
        self._say = say
        self._names: dict[str, str] = {}

    @property
    def base_url(self) -> str:
        return self._client.base_url

    def account(self) -> Account:
        if self._say is not None:
            self._say(f"reading the account on {_host_port(self._client.base_url)}…")
        account = self._client.account.get()
        self._names = {w.id: w.name for w in account.workspaces}
        return account

    def members(self, workspace_id: str) -> list[Member]:
        first = self._client.members.list(workspace_id, limit=MAX_PAGE_LIMIT)
        found: list[Member] = []
        for page in first.iter_pages():
            self._page_read(workspace_id, page.page, page.total, page.limit)
            found.extend(page.data)
        return found

    def _page_read(self, workspace_id: str, number: int, total: int, limit: int) -> None:
        """Said after each page (the first one is what tells how many there are)."""
        if self._say is None:
            return
        name = self._names.get(workspace_id) or workspace_id
        pages = -(-total // limit) if total > 0 and limit > 0 else 0
        of = f" of {pages}" if pages >= number else ""
        self._say(f"listing the members of {name}: page {number}{of} read…")

    def normalize_url(self, url: str) -> str:
        return normalize_base_url(url)


def reader_opener(
    source: Source, rate_limit: int | None, say: Callable[[str], None] | None = None
) -> OpenReader:
    """Opens a reader per manifest workspace, with the credentials its profile calls for;
    `say` hears each read as it is made."""

    @contextmanager
    def open_reader(entry: WorkspaceManifest) -> Iterator[MembersReader]:
        with open_client(source_for(source, entry.profile), rate_limit=rate_limit) as client:
            yield ClientMembersReader(client, say)

    return open_reader


def _host_port(base_url: str) -> str:
    """`host:port`, as people type a server (not the repository's directory slug)."""
    return urlsplit(base_url).netloc or base_url
