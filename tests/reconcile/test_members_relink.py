"""Invitation links lost to a killed run: each invitee is journalled before the call, and
a later apply invites again only the pending invitees the journal names."""

from __future__ import annotations

from pydantic import SecretStr

from reconcile.members.apply import REISSUED, apply_members
from tests.reconcile.test_members_apply import (
    EVERYONE,
    FakeServer,
    FakeSink,
    FakeWriter,
    outcomes,
    plan_set,
    workspace,
)

PENDING = "newhire@acme.example"  # pending in the planner's live fixture


class JournalSink(FakeSink):
    def __init__(self, log: list[tuple[str, str]]) -> None:
        super().__init__()
        self.log = log

    def intend(self, email: str) -> None:
        self.log.append(("intend", email))

    def add(self, email: str, url: SecretStr) -> None:
        self.log.append(("add", email))
        super().add(email, url)


def test_each_invitee_is_journalled_before_the_call_and_its_link_kept_after() -> None:
    log: list[tuple[str, str]] = []
    writer = FakeWriter()
    original = writer.invite
    writer.invite = lambda email, role: (log.append(("call", email)), original(email, role))[1]  # type: ignore[method-assign]
    apply_members(
        plan_set(workspace([*EVERYONE, ("hedy@acme.example", "normal")])),
        FakeServer(w1=writer).open,
        JournalSink(log),
    )
    assert log == [
        ("intend", "hedy@acme.example"),
        ("call", "hedy@acme.example"),
        ("add", "hedy@acme.example"),
    ]


def test_a_pending_invitee_whose_link_was_lost_is_invited_again() -> None:
    writer = FakeWriter()
    sink = JournalSink([])
    result = apply_members(
        plan_set(workspace(EVERYONE)), FakeServer(w1=writer).open, sink, relink={PENDING}
    )
    assert ("invite", PENDING, "done") in outcomes(result)
    assert [email for email, _ in sink.kept] == [PENDING]
    (outcome,) = [o for r in result.results for o in r.outcomes if o.email == PENDING]
    assert outcome.message == REISSUED
    assert result.invite_links_saved == 1


def test_nobody_is_invited_again_without_the_file_or_the_journal() -> None:
    writer = FakeWriter()
    apply_members(plan_set(workspace(EVERYONE)), FakeServer(w1=writer).open, None, {PENDING})
    apply_members(plan_set(workspace(EVERYONE)), FakeServer(w1=writer).open, JournalSink([]))
    assert writer.calls == []
