"""The invitation-link sink of an apply: a file only its owner can read."""

from __future__ import annotations

import os
from types import TracebackType

from pydantic import SecretStr

from reconcile.errors import PlanError
from reconcile.members.ports import CallFailed

JOURNAL_SUFFIX = ".sent"


def journal_path(path: str) -> str:
    """The file beside the links naming each invitee an apply was about to invite."""
    return path + JOURNAL_SUFFIX


class InviteLinkFile:
    """`email<TAB>link` lines in a file only its owner can read, one per successful invite.

    Each line is written and synced to disk before its invite counts as done, so an
    exception or an interruption later in the apply loses none of the links already
    issued. Before each invite the invitee's e-mail is synced to a journal beside the
    file (`<file>.sent`): a run killed between Dify's answer and the link's line leaves an
    invitee in the journal but not in the file, and the next apply with the same file
    invites them again, which makes Dify issue a new link (`lost_links`). Lines are
    appended: a later run never drops the links of an earlier one (delete both files once
    the links are handed out).

    Opened before the first change, so a path that cannot be written stops the apply
    before anything changed (`PlanError`).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._descriptor = _open_private(path)
        try:
            self._journal = _open_private(journal_path(path))
        except PlanError:
            os.close(self._descriptor)
            raise

    def intend(self, email: str) -> None:
        try:
            _append(self._journal, f"{email}\n")
        except OSError as exc:
            raise CallFailed(
                f"not invited: {journal_path(self.path)} could not be written: "
                f"{exc.strerror or exc}"
            ) from None

    def add(self, email: str, url: SecretStr) -> None:
        try:
            _append(self._descriptor, f"{email}\t{url.get_secret_value()}\n")
        except OSError as exc:
            # Completes "invited, but its link …" in the change's outcome.
            raise CallFailed(
                f"could not be written to {self.path}: {exc.strerror or exc}"
            ) from None

    def close(self) -> None:
        os.close(self._journal)
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


def lost_links(path: str | None) -> set[str]:
    """Invitees an earlier apply with this file was about to invite and whose link the
    file does not hold (the run stopped in between): the ones to invite again."""
    if not path:
        return set()
    try:
        with open(journal_path(path), encoding="utf-8") as journal:
            sent = {line.strip() for line in journal if line.strip()}
    except OSError:
        return set()
    try:
        with open(path, encoding="utf-8") as links:
            kept = {line.split("\t", 1)[0].strip() for line in links if "\t" in line}
    except FileNotFoundError:
        kept = set()
    return sent - kept


def _open_private(path: str) -> int:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        # Created 0600, but an existing file keeps its mode unless told: tighten it
        # before any line is written.
        os.fchmod(descriptor, 0o600)
    except OSError as exc:
        os.close(descriptor)
        raise _unwritable(path, exc) from None
    return descriptor


def _append(descriptor: int, text: str) -> None:
    data = text.encode()
    while data:
        data = data[os.write(descriptor, data) :]
    os.fsync(descriptor)


def _unwritable(path: str, exc: OSError) -> PlanError:
    return PlanError(
        f"cannot write the invitation links to {path}: {exc.strerror or exc}",
        hint="Keep the invitation links in a file you can write, in a directory you can "
        "write to; nothing was changed.",
    )
