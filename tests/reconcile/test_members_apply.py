"""Applying members plans through fake ports: outcomes, already-done answers, failures that
stop nothing else, per-workspace refusals, and invitation links kept but never shown."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from pydantic import SecretStr

from dify_client.models import Member
from reconcile.members.apply import (
    LINK_NOT_KEPT_HINT,
    READ_BACK,
    UNEXPECTED_HINT,
    WRONG_HOST_HINT,
    apply_members,
)
from reconcile.members.planner import MembersPlan
from reconcile.members.ports import CallFailed
from reconcile.members.run import MembersPlanSet
from tests.reconcile.test_members_planner import EVERYONE, LIVE, member, plan, replaced

HOST = "https://dify.test"
# Katherine promoted, alan removed (prune on), hedy invited — in the order apply makes them.
CHANGES = [
    *[(e, r) for e, r in replaced("katherine@acme.example", "admin") if e != "alan@acme.example"],
    ("hedy@acme.example", "normal"),
]
APPLY_ORDER = [
    ("update_role", "id-katherine", "admin"),
    ("remove", "id-alan"),
    ("invite", "hedy@acme.example", "normal"),
]


def link(email: str) -> SecretStr:
    return SecretStr(f"{HOST}/activate?email={email}&token=secret-token-of-{email}")


class FakeWriter:
    """Records each call; raises what `failures` holds for an email or member id."""

    def __init__(self, base_url: str = HOST, failures: dict[str, Exception] | None = None):
        self._base_url = base_url
        self.failures = failures or {}
        self.calls: list[tuple[str, ...]] = []
        self.closed = False
        self.links_kept_before: list[int] = []  # per invite: links the sink held already
        self.sink: FakeSink | None = None

    @property
    def base_url(self) -> str:
        return self._base_url

    def _call(self, *call: str) -> None:
        self.calls.append(call)
        if call[1] in self.failures:
            raise self.failures[call[1]]

    def invite(self, email: str, role: str) -> SecretStr:
        if self.sink is not None:
            self.links_kept_before.append(len(self.sink.kept))
        self._call("invite", email, role)
        return link(email)

    def update_role(self, member_id: str, role: str) -> None:
        self._call("update_role", member_id, role)

    def remove(self, member_id: str) -> None:
        self._call("remove", member_id)


class FakeServer:
    """One writer per workspace id; `unreachable` workspaces fail to open."""

    def __init__(self, **writers: FakeWriter) -> None:
        self.writers = writers
        self.unreachable: dict[str, Exception] = {}
        self.opened: list[str] = []

    @contextmanager
    def open(self, plan: MembersPlan) -> Iterator[FakeWriter]:
        self.opened.append(plan.workspace_id)
        if plan.workspace_id in self.unreachable:
            raise self.unreachable[plan.workspace_id]
        writer = self.writers[plan.workspace_id]
        try:
            yield writer
        finally:
            writer.closed = True


class FakeSink:
    def __init__(self, failures: dict[str, Exception] | None = None) -> None:
        self.kept: list[tuple[str, SecretStr]] = []
        self.failures = failures or {}

    def add(self, email: str, url: SecretStr) -> None:
        if email in self.failures:
            raise self.failures[email]
        self.kept.append((email, url))


def workspace(members: list[tuple[str, str]], workspace_id: str = "w1") -> MembersPlan:
    made = plan(members, options="    prune: true\n")
    return made.model_copy(
        update={"workspace_id": workspace_id, "workspace_name": f"Acme {workspace_id}"}
    )


def plan_set(*plans: MembersPlan) -> MembersPlanSet:
    return MembersPlanSet(manifest="m.yml", plans=list(plans)).sealed()


def outcomes(result: object) -> list[tuple[str, str, str]]:
    return [(o.action, o.email, o.status) for r in result.results for o in r.outcomes]  # type: ignore[attr-defined]


def test_each_action_is_one_call_and_done() -> None:
    writer = FakeWriter()
    server = FakeServer(w1=writer)
    result = apply_members(plan_set(workspace(CHANGES)), server.open)
    assert writer.calls == APPLY_ORDER
    assert outcomes(result) == [
        ("role_change", "katherine@acme.example", "done"),
        ("remove", "alan@acme.example", "done"),
        ("invite", "hedy@acme.example", "done"),
    ]
    assert result.ok and result.summary() == "3 done, 0 already done, 0 failed"
    assert list(result.invite_urls) == ["hedy@acme.example"]
    assert result.invite_links_saved == 0  # no sink: Dify e-mails the invitation
    assert writer.closed


def test_a_plan_without_changes_opens_no_writer() -> None:
    server = FakeServer()
    result = apply_members(plan_set(workspace(EVERYONE)), server.open)
    assert server.opened == [] and outcomes(result) == [] and result.ok


@pytest.mark.parametrize(
    ("failing", "answer", "status"),
    [
        pytest.param(
            "id-katherine",
            CallFailed(
                "The provided role is already assigned to the member.",
                http_status=400,
                code="invalid_param",
            ),
            "already_done",
            id="role-already-assigned",
        ),
        pytest.param(
            "id-alan",
            CallFailed("Member not in tenant.", http_status=404, code="not_found"),
            "already_done",
            id="removed-already",
        ),
        pytest.param(
            "id-alan",
            CallFailed("member not found", http_status=404, code="not_found"),
            "already_done",
            id="removed-already-other-words",
        ),
        pytest.param(
            "hedy@acme.example",
            CallFailed("Account already in tenant.", http_status=400, code="invalid_param"),
            "failed",
            id="an-invite-is-never-already-done",
        ),
        pytest.param(
            "id-alan",
            # The words of "already done", but no answer from Dify: it may not have been.
            CallFailed("member not found", hint="Check the server URL."),
            "failed",
            id="no-answer-is-never-already-done",
        ),
    ],
)
def test_dify_answers_that_mean_already_done(failing: str, answer: CallFailed, status: str) -> None:
    writer = FakeWriter(failures={failing: answer})
    result = apply_members(plan_set(workspace(CHANGES)), FakeServer(w1=writer).open)
    (outcome,) = [o for o in result.results[0].outcomes if o.status != "done"]
    assert outcome.status == status
    assert (outcome.http_status, outcome.code, outcome.message, outcome.hint) == (
        answer.http_status,
        answer.code,
        answer.message,
        answer.hint,
    )
    assert result.ok is (status == "already_done")
    assert writer.calls == APPLY_ORDER  # the changes after it were still made


def test_a_failing_change_does_not_stop_the_next() -> None:
    refused = CallFailed(
        "Subscription member limit reached.",
        http_status=403,
        code="member_limit_exceeded",
        hint="Upgrade your plan.",
    )
    lost = CallFailed("connection to dify.test failed", hint="Check the server URL.")
    writer = FakeWriter(failures={"id-katherine": lost, "hedy@acme.example": refused})
    result = apply_members(plan_set(workspace(CHANGES)), FakeServer(w1=writer).open)
    assert writer.calls == APPLY_ORDER
    assert outcomes(result) == [
        ("role_change", "katherine@acme.example", "failed"),
        ("remove", "alan@acme.example", "done"),
        ("invite", "hedy@acme.example", "failed"),
    ]
    first, _, last = result.results[0].outcomes
    assert (first.http_status, first.code, first.hint) == (None, None, "Check the server URL.")
    assert (last.http_status, last.code, last.message) == (
        403,
        "member_limit_exceeded",
        "Subscription member limit reached.",
    )
    assert not result.ok and result.summary() == "1 done, 0 already done, 2 failed"
    assert result.invite_urls == {}  # a refused invite issued no link


def test_an_unexpected_exception_is_that_change_failure() -> None:
    writer = FakeWriter(failures={"id-alan": RuntimeError("something nobody expected")})
    result = apply_members(plan_set(workspace(CHANGES)), FakeServer(w1=writer).open)
    assert outcomes(result) == [
        ("role_change", "katherine@acme.example", "done"),
        ("remove", "alan@acme.example", "failed"),
        ("invite", "hedy@acme.example", "done"),
    ]
    failed = result.results[0].outcomes[1]
    assert failed.message == "unexpected RuntimeError: something nobody expected"
    assert failed.hint == UNEXPECTED_HINT


def test_an_interruption_is_not_swallowed() -> None:
    writer = FakeWriter(failures={"id-alan": KeyboardInterrupt()})  # type: ignore[dict-item]
    with pytest.raises(KeyboardInterrupt):
        apply_members(plan_set(workspace(CHANGES)), FakeServer(w1=writer).open)
    assert writer.closed


def test_a_hand_edited_change_fails_without_a_call() -> None:
    edited = workspace(CHANGES)
    role_change, removal, invite = edited.changes
    items = [
        role_change.model_copy(update={"desired_role": "owner"}),
        removal.model_copy(update={"member_id": None}),
        invite,
    ]
    writer = FakeWriter()
    result = apply_members(
        plan_set(edited.model_copy(update={"items": items})), FakeServer(w1=writer).open
    )
    assert [o.message for o in result.results[0].outcomes] == [
        "the API cannot assign the role 'owner'",
        "the plan has no member id for alan@acme.example",
        None,
    ]
    assert writer.calls == [("invite", "hedy@acme.example", "normal")]


@pytest.mark.parametrize(
    ("error", "message", "hint"),
    [
        pytest.param(
            CallFailed("no credentials for profile 'dev'", hint="Sign in first."),
            "no credentials for profile 'dev'",
            "Sign in first.",
            id="a-refusal-with-its-hint",
        ),
        pytest.param(
            OSError("credentials file unreadable"),
            "unexpected OSError: credentials file unreadable",
            UNEXPECTED_HINT,
            id="anything-else",
        ),
    ],
)
def test_a_writer_that_cannot_be_opened_fails_only_its_workspace(
    error: Exception, message: str, hint: str
) -> None:
    other = FakeWriter()
    server = FakeServer(w2=other)
    server.unreachable["w1"] = error
    result = apply_members(
        plan_set(workspace(CHANGES, "w1"), workspace(CHANGES, "w2")), server.open
    )
    unreachable, reached = result.results
    assert {(o.status, o.message, o.hint) for o in unreachable.outcomes} == {
        ("failed", message, hint)
    }
    assert len(unreachable.outcomes) == 3
    assert [o.status for o in reached.outcomes] == ["done", "done", "done"]
    assert other.calls == APPLY_ORDER and server.opened == ["w1", "w2"]


def test_a_writer_on_another_host_is_refused_for_its_workspace_only() -> None:
    elsewhere = FakeWriter(base_url="https://dify.other.example")
    here = FakeWriter()
    result = apply_members(
        plan_set(workspace(CHANGES, "w1"), workspace(CHANGES, "w2")),
        FakeServer(w1=elsewhere, w2=here).open,
    )
    refused, made = result.results
    assert {(o.status, o.message, o.hint) for o in refused.outcomes} == {
        (
            "failed",
            "the plan for 'Acme w1' was made on https://dify.test, but the connection is to "
            "https://dify.other.example",
            WRONG_HOST_HINT,
        )
    }
    assert len(refused.outcomes) == 3
    assert elsewhere.calls == [] and elsewhere.closed
    assert [o.status for o in made.outcomes] == ["done", "done", "done"]


def test_a_plan_without_a_recorded_host_is_applied_wherever_the_writer_is() -> None:
    writer = FakeWriter(base_url="https://dify.other.example")
    unrecorded = workspace(CHANGES).model_copy(update={"base_url": ""})
    result = apply_members(plan_set(unrecorded), FakeServer(w1=writer).open)
    assert result.ok and writer.calls == APPLY_ORDER


INVITES = [*EVERYONE, ("hedy@acme.example", "normal"), ("ida@acme.example", "admin")]


def test_each_link_is_kept_as_its_invite_succeeds() -> None:
    writer = FakeWriter(failures={"ida@acme.example": CallFailed("limit", http_status=403)})
    sink = FakeSink()
    writer.sink = sink
    invites = [*INVITES, ("joan@acme.example", "normal")]
    result = apply_members(plan_set(workspace(invites)), FakeServer(w1=writer).open, sink)
    # hedy's link was kept before ida's invite was sent, and ida's failure kept none.
    assert writer.links_kept_before == [0, 1, 1]
    assert [email for email, _ in sink.kept] == ["hedy@acme.example", "joan@acme.example"]
    assert sink.kept[0][1].get_secret_value() == link("hedy@acme.example").get_secret_value()
    assert result.invite_links_saved == 2


@pytest.mark.parametrize(
    ("error", "message"),
    [
        pytest.param(
            CallFailed("could not be written to /tmp/links.tsv: No space left on device"),
            "invited, but its link could not be written to /tmp/links.tsv: No space left on device",
            id="the-sink-says-why",
        ),
        pytest.param(
            ValueError("odd"),
            "invited, but its link was not kept: unexpected ValueError: odd",
            id="anything-else",
        ),
    ],
)
def test_a_link_that_cannot_be_kept_leaves_its_invite_done(error: Exception, message: str) -> None:
    writer = FakeWriter()
    sink = FakeSink(failures={"hedy@acme.example": error})
    result = apply_members(plan_set(workspace(INVITES)), FakeServer(w1=writer).open, sink)
    hedy, ida = result.results[0].outcomes
    assert (hedy.status, hedy.message, hedy.hint) == ("done", message, LINK_NOT_KEPT_HINT)
    assert (ida.status, ida.message) == ("done", None)
    assert [email for email, _ in sink.kept] == ["ida@acme.example"]
    assert result.ok and result.invite_links_saved == 1
    assert writer.calls == [
        ("invite", "hedy@acme.example", "normal"),
        ("invite", "ida@acme.example", "admin"),
    ]


def test_links_are_never_in_dumps_or_reprs() -> None:
    sink = FakeSink(failures={"ida@acme.example": CallFailed("could not be written to x")})
    result = apply_members(plan_set(workspace(INVITES)), FakeServer(w1=FakeWriter()).open, sink)
    assert set(result.invite_urls) == {"hedy@acme.example", "ida@acme.example"}
    shown = "\n".join(
        [
            result.model_dump_json(),
            str(result.model_dump()),
            repr(result),
            str(result),
            repr(result.results[0]),
            repr(result.invite_urls),
        ]
    )
    assert "token=" not in shown and "secret-token-of" not in shown
    assert "/activate?" not in shown


class LosingWriter(FakeWriter):
    """A server that makes every change but loses the answers to those in `lost` (the
    connection dropped after its write); `members()` reads the workspace back."""

    def __init__(self, lost: set[str], *, made: bool = True, readable: bool = True) -> None:
        unanswered = CallFailed(
            "connection to dify.test failed during POST: RemoteProtocolError",
            hint="Check the server URL.",
            maybe_applied=True,
        )
        super().__init__(failures={key: unanswered for key in lost})
        self.live = {m.email: m for m in LIVE}
        self.made = made
        self.readable = readable
        self.reads = 0

    def _call(self, *call: str) -> None:
        self.calls.append(call)
        if self.made:
            action, key, *role = call
            email = key if action == "invite" else key.removeprefix("id-") + "@acme.example"
            if action == "remove":
                self.live.pop(email)
            else:
                status = "pending" if action == "invite" else "active"
                self.live[email] = member(email, role[0], status)
        if call[1] in self.failures:
            raise self.failures[call[1]]

    def members(self) -> list[Member]:
        self.reads += 1
        if not self.readable:
            raise CallFailed("connection to dify.test failed during GET")
        return list(self.live.values())


def test_changes_made_whose_answer_was_lost_are_read_back_and_done() -> None:
    """Issue 14 (faults): a write the server applied before the connection dropped is not
    reported failed; the workspace is read back."""
    writer = LosingWriter({"id-katherine", "id-alan", "hedy@acme.example"})
    result = apply_members(plan_set(workspace(CHANGES)), FakeServer(w1=writer).open)
    assert writer.calls == APPLY_ORDER  # each change made once, never again
    assert writer.reads == 3
    katherine, alan, hedy = result.results[0].outcomes
    assert [(o.status, o.message) for o in (katherine, alan)] == [("done", READ_BACK)] * 2
    assert hedy.status == "done" and hedy.message == f"{READ_BACK}; its link never arrived"
    assert hedy.hint == LINK_NOT_KEPT_HINT
    assert result.ok and result.summary() == "3 done, 0 already done, 0 failed"
    assert result.invite_urls == {}  # the link came with the answer that was lost


@pytest.mark.parametrize(
    ("made", "readable"),
    [
        pytest.param(False, True, id="read back: not made"),
        pytest.param(True, False, id="cannot read back"),
    ],
)
def test_a_lost_answer_stays_failed_unless_the_read_back_shows_the_change(
    made: bool, readable: bool
) -> None:
    writer = LosingWriter({"id-katherine", "hedy@acme.example"}, made=made, readable=readable)
    result = apply_members(plan_set(workspace(CHANGES)), FakeServer(w1=writer).open)
    assert outcomes(result) == [
        ("role_change", "katherine@acme.example", "failed"),
        ("remove", "alan@acme.example", "done"),
        ("invite", "hedy@acme.example", "failed"),
    ]
    katherine = result.results[0].outcomes[0]
    assert katherine.message.startswith("connection to dify.test failed during POST")
    assert katherine.hint == "Check the server URL."
    assert not result.ok


def test_an_answer_that_came_is_never_second_guessed_by_a_read_back() -> None:
    refused = CallFailed("Subscription member limit reached.", http_status=403)
    writer = LosingWriter(set())
    writer.failures = {"hedy@acme.example": refused}
    result = apply_members(plan_set(workspace(CHANGES)), FakeServer(w1=writer).open)
    assert writer.reads == 0
    assert outcomes(result)[-1] == ("invite", "hedy@acme.example", "failed")
