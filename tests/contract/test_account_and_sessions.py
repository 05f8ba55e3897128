"""Account, sessions, probes."""

from __future__ import annotations

import pytest

from dify_client import AuthenticationError, DifyClient, NotADifyServerError, NotFoundError
from tests.support.emulator import DEMO, EmulatorHandle


def test_probe_reports_version_and_edition(dify: DifyClient) -> None:
    version = dify.probe()
    assert version.version
    assert version.edition in ("SELF_HOSTED", "CLOUD")


def test_probe_of_something_else_is_a_clear_error(emulator: EmulatorHandle) -> None:
    # The emulator's operator API root is not a Dify OpenAPI: its /openapi/v1 paths 404.
    with (
        DifyClient(emulator.base_url + "/not-dify") as client,
        pytest.raises(NotADifyServerError) as raised,
    ):
        client.probe()
    assert raised.value.hint and "OPENAPI_ENABLED" in raised.value.hint


def test_account_names_the_caller_and_every_membership(dify: DifyClient) -> None:
    account = dify.account.get()
    assert account.subject_type == "account"
    assert account.account is not None and account.account.email == "ada@acme.example"
    assert {w.id for w in account.workspaces} == {DEMO.ACME_DEV, DEMO.ACME_PROD, DEMO.PARTNER_LAB}
    assert account.default_workspace_id == DEMO.ACME_DEV


def test_sessions_paginate_across_pages(emulator: EmulatorHandle, make_dify) -> None:
    for n in range(4):
        emulator.admin.token("ada@acme.example", device_label=f"laptop {n}")
    client = make_dify()  # a fifth session
    first = client.sessions.list(limit=2)
    assert (first.total, len(first.data), first.has_more) == (5, 2, True)
    pages = list(first.iter_pages())
    assert [len(p.data) for p in pages] == [2, 2, 1]
    assert len({s.id for s in first}) == 5
    assert all(s.prefix == "dfoa_" for s in first)


def test_revoking_a_session_by_id_kills_that_token(emulator: EmulatorHandle, make_dify) -> None:
    other = make_dify()
    me = make_dify()
    victim = next(s for s in me.sessions.list() if s.id != _own_session_id(me))
    assert me.sessions.revoke(victim.id).status == "revoked"
    statuses = []
    for client in (other, me):
        try:
            client.account.get()
            statuses.append("ok")
        except AuthenticationError:
            statuses.append("401")
    assert sorted(statuses) == ["401", "ok"]


def test_someone_elses_session_is_not_found(make_dify) -> None:
    grace = make_dify("grace@acme.example")
    ada = make_dify()
    grace_session = grace.sessions.list().data[0].id
    with pytest.raises(NotFoundError):
        ada.sessions.revoke(grace_session)


def test_revoke_current_makes_the_next_call_401(dify: DifyClient) -> None:
    assert dify.sessions.revoke_current().status == "revoked"
    with pytest.raises(AuthenticationError) as raised:
        dify.account.get()
    assert raised.value.status == 401
    assert raised.value.hint  # tells the user to sign in again


def _own_session_id(client: DifyClient) -> str:
    # The newest session is the one just minted for this client.
    sessions = client.sessions.list().all()
    return max(sessions, key=lambda s: s.created_at or "").id
