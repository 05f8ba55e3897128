"""What a members run needs from the outside world, as narrow ports. Pure.

Reconcile plans and applies against these; `tasks.members` binds them to a `DifyClient`
(and the invitation-link file), tests bind them to fakes. Nothing here knows HTTP or the
client's errors: a writer reports a failed call as `CallFailed`, which carries what the
outcome of a change shows (Dify's status, code, message and hint).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pydantic import SecretStr

from dify_client.models import Account, AssignableRole, Member
from reconcile.members.manifest import WorkspaceManifest
from reconcile.members.planner import MemberItem, MembersPlan

if TYPE_CHECKING:
    from reconcile.members.run import ChangeOutcome


class CallFailed(Exception):
    """A call through a port failed: Dify refused it (`http_status` and `code` set), or it
    never got an answer (a connection lost past the retries, a malformed body).

    `maybe_applied`: the request was sent and no answer came, so the server may have made
    the change all the same (apply reads the workspace back before calling it failed).
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        http_status: int | None = None,
        code: str | None = None,
        maybe_applied: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.http_status = http_status
        self.code = code
        self.maybe_applied = maybe_applied

    def __str__(self) -> str:
        return self.message


class MemberWriter(Protocol):
    """The three changes of a plan, in the one workspace the writer was opened for."""

    @property
    def base_url(self) -> str:
        """The server this writer talks to, as plans record it."""
        ...

    def invite(self, email: str, role: AssignableRole) -> SecretStr:
        """Invite `email`; the invitation link (it holds a secret token)."""
        ...

    def update_role(self, member_id: str, role: AssignableRole) -> None: ...

    def remove(self, member_id: str) -> None: ...

    def members(self) -> Sequence[Member]:
        """Every member of the workspace now, pending invitees included: read back after a
        change that got no answer. Raises `CallFailed` when it cannot."""
        ...


# One writer per workspace plan, reached with the plan's profile; closed when its changes
# are made. Opening may raise (no credentials, no server): that fails only this plan.
OpenWriter = Callable[[MembersPlan], AbstractContextManager[MemberWriter]]


class InviteLinkSink(Protocol):
    """Where invitation links are kept as each invite succeeds (the operator's file)."""

    def add(self, email: str, url: SecretStr) -> None:
        """Keep one link, or raise `CallFailed` saying why not, in words that complete
        "invited, but its link …" (the invite stands either way)."""
        ...


@runtime_checkable
class InviteJournal(Protocol):
    """A sink that also notes each invitee before the call (the operator's file does)."""

    def intend(self, email: str) -> None:
        """Note, durably, that `email` is about to be invited, before the call: a run
        stopped between Dify's answer and `add` leaves an invitee whose link a later run
        re-issues. Raises `CallFailed` when it cannot (the invite is then not sent)."""
        ...


class MembersReader(Protocol):
    """The live state a plan is made from, through one connection."""

    @property
    def base_url(self) -> str: ...

    def account(self) -> Account:
        """Who acts, and which workspaces it sees."""
        ...

    def members(self, workspace_id: str) -> Sequence[Member]:
        """Every member of the workspace, pending invitees included."""
        ...

    def normalize_url(self, url: str) -> str:
        """`url` written as `base_url` is, to compare hosts; `ValueError` if invalid."""
        ...


# One reader per manifest workspace, reached with the entry's profile.
OpenReader = Callable[[WorkspaceManifest], AbstractContextManager[MembersReader]]


class ChangeProgress(Protocol):
    """Hears of each change as its call starts and ends, so a long apply can show where it
    is and, once interrupted, say what was done and what was not."""

    def started(self, workspace_name: str, change: MemberItem) -> None: ...

    def finished(self, workspace_name: str, outcome: ChangeOutcome) -> None: ...
