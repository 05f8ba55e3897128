"""The members adapters: the client's errors become `CallFailed` carrying what an outcome
shows, and the invitation-link file keeps links 0600 and says why when it cannot."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import SecretStr

from dify_client import DifyConnectionError, NotFoundError
from reconcile.errors import PlanError
from reconcile.members.ports import CallFailed
from tasks.members.adapters import ClientMemberWriter
from tasks.members.invite_links import InviteLinkFile


def writer_raising(error: Exception) -> ClientMemberWriter:
    def fail(*args: object) -> None:
        raise error

    members = SimpleNamespace(invite=fail, update_role=fail, remove=fail)
    client = SimpleNamespace(members=members, base_url="https://dify.test")
    return ClientMemberWriter(client, "w1")  # type: ignore[arg-type]


def test_an_answer_from_dify_keeps_its_status_code_message_and_hint() -> None:
    answer = NotFoundError(
        "Member not in tenant.", status=404, code="not_found", hint="Refresh the list."
    )
    with pytest.raises(CallFailed) as caught:
        writer_raising(answer).remove("m1")
    assert (
        caught.value.http_status,
        caught.value.code,
        caught.value.message,
        caught.value.hint,
    ) == (404, "not_found", "Member not in tenant.", "Refresh the list.")


def test_no_answer_keeps_its_message_and_hint_and_has_no_status() -> None:
    lost = DifyConnectionError("connection to dify.test failed during PUT …")
    with pytest.raises(CallFailed) as caught:
        writer_raising(lost).update_role("m1", "admin")
    assert (caught.value.http_status, caught.value.code) == (None, None)
    assert caught.value.message == lost.message and caught.value.hint == lost.hint


@pytest.mark.parametrize(
    ("sent", "maybe_applied"),
    [
        pytest.param(True, True, id="sent, no answer: the server may have made it"),
        pytest.param(False, False, id="never reached the server"),
    ],
)
def test_a_call_sent_without_an_answer_may_have_been_applied(
    sent: bool, maybe_applied: bool
) -> None:
    lost = DifyConnectionError("connection to dify.test failed during POST …", sent=sent)
    with pytest.raises(CallFailed) as caught:
        writer_raising(lost).invite("hedy@acme.example", "normal")
    assert caught.value.maybe_applied is maybe_applied
    answered = NotFoundError("Member not in tenant.", status=404, code="not_found")
    with pytest.raises(CallFailed) as refused:
        writer_raising(answered).remove("m1")
    assert refused.value.maybe_applied is False


def test_other_exceptions_pass_through_for_the_apply_to_name() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        writer_raising(RuntimeError("boom")).invite("hedy@acme.example", "normal")


def test_the_link_file_is_0600_appended_and_says_why_it_cannot_keep_a_link(
    tmp_path: Path,
) -> None:
    path = tmp_path / "invites.tsv"
    path.write_text("left over\n")
    path.chmod(0o644)
    links = InviteLinkFile(str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    links.add("hedy@acme.example", SecretStr("https://dify.test/activate?token=t1"))
    os.close(links._descriptor)  # the disk goes away under it
    with pytest.raises(CallFailed, match=rf"^could not be written to {path}: "):
        links.add("ida@acme.example", SecretStr("https://dify.test/activate?token=t2"))
    assert path.read_text() == "left over\nhedy@acme.example\thttps://dify.test/activate?token=t1\n"


def test_a_link_file_that_cannot_be_opened_stops_before_anything(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="cannot write the invitation links to") as caught:
        InviteLinkFile(str(tmp_path / "missing" / "invites.tsv"))
    assert "nothing was changed" in (caught.value.hint or "")
