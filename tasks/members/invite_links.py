"""The invitation-link sink of an apply: a file only its owner can read."""

from __future__ import annotations

import os
from types import TracebackType

from pydantic import SecretStr

from reconcile.errors import PlanError
from reconcile.members.ports import CallFailed


class InviteLinkFile:
    """`email<TAB>link` lines in a file only its owner can read, one per successful invite.

    Each line goes to the operating system as its invite succeeds (no buffering), so an
    exception or an interruption later in the apply loses none of the links already
    issued: the planner never invites a pending member again, so a link not kept then is
    never kept. For the same reason lines are appended: a later run never drops the links
    of an earlier one (delete the file once the links are handed out).

    Opened before the first change, so a path that cannot be written stops the apply
    before anything changed (`PlanError`).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self._descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise _unwritable(path, exc) from None
        try:
            # Created 0600, but an existing file keeps its mode unless told: tighten it
            # before any link is written.
            os.fchmod(self._descriptor, 0o600)
        except OSError as exc:
            os.close(self._descriptor)
            raise _unwritable(path, exc) from None

    def add(self, email: str, url: SecretStr) -> None:
        data = f"{email}\t{url.get_secret_value()}\n".encode()
        try:
            while data:
                data = data[os.write(self._descriptor, data) :]
        except OSError as exc:
            # Completes "invited, but its link …" in the change's outcome.
            raise CallFailed(
                f"could not be written to {self.path}: {exc.strerror or exc}"
            ) from None

    def close(self) -> None:
        os.close(self._descriptor)

    def __enter__(self) -> InviteLinkFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _unwritable(path: str, exc: OSError) -> PlanError:
    return PlanError(
        f"cannot write the invitation links to {path}: {exc.strerror or exc}",
        hint="Keep the invitation links in a file you can write, in a directory you can "
        "write to; nothing was changed.",
    )
