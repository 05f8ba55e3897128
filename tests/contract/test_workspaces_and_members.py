"""Workspaces and members, including every refusal of §3.3 through the typed errors."""

from __future__ import annotations

import pytest

from dify_client import (
    BadRequestError,
    DifyClient,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableEntityError,
)
from tests.support.emulator import DEMO, EmulatorHandle


def test_workspaces_list_get_and_switch(dify: DifyClient) -> None:
    names = {w.name: w for w in dify.workspaces.list()}
    assert set(names) == {"Acme Dev", "Acme Prod", "Partner Lab"}
    assert names["Acme Dev"].current and names["Partner Lab"].role == "normal"
    detail = dify.workspaces.get(DEMO.ACME_PROD)
    assert (detail.name, detail.role, detail.current) == ("Acme Prod", "owner", False)
    switched = dify.workspaces.switch(DEMO.ACME_PROD)
    assert switched.current is True
    assert dify.account.get().default_workspace_id == DEMO.ACME_PROD


def test_unknown_workspace_is_404_not_403(dify: DifyClient) -> None:
    with pytest.raises(NotFoundError, match="workspace not found"):
        dify.workspaces.get("00000000-0000-4000-8000-00000000dead")


def test_members_walk_every_page(emulator: EmulatorHandle, dify: DifyClient) -> None:
    emulator.admin.bulk(DEMO.ACME_DEV, members=450)
    emulator.admin.reset_stats()
    members = list(dify.members.iter_all(DEMO.ACME_DEV))
    assert len(members) == 457
    assert len({m.email for m in members}) == 457
    assert emulator.admin.stats()["GET /workspaces/{workspace_id}/members"] == 3


def test_pending_invitee_is_listed_with_its_status(dify: DifyClient) -> None:
    members = {m.email: m for m in dify.members.iter_all(DEMO.ACME_DEV)}
    assert members["newhire@acme.example"].status == "pending"


def test_invite_promote_demote_remove(dify: DifyClient) -> None:
    invite = dify.members.invite(DEMO.ACME_DEV, "New.Person@Acme.example", "normal")
    assert invite.email == "new.person@acme.example"
    assert invite.invite_url.get_secret_value().startswith("http")
    assert dify.members.update_role(DEMO.ACME_DEV, invite.member_id, "admin").result == "success"
    roles = {m.email: m.role for m in dify.members.iter_all(DEMO.ACME_DEV)}
    assert roles["new.person@acme.example"] == "admin"
    assert dify.members.remove(DEMO.ACME_DEV, invite.member_id).result == "success"
    assert "new.person@acme.example" not in {m.email for m in dify.members.iter_all(DEMO.ACME_DEV)}


def test_member_refusals_are_typed(make_dify, dify: DifyClient) -> None:
    owner_id = "ac000000-0000-4000-8000-000000000001"
    grace_id = "ac000000-0000-4000-8000-000000000002"
    with pytest.raises(BadRequestError, match="Cannot operate self"):
        dify.members.remove(DEMO.ACME_DEV, owner_id)
    with pytest.raises(BadRequestError, match="already assigned"):
        dify.members.update_role(DEMO.ACME_DEV, grace_id, "admin")
    grace = make_dify("grace@acme.example")
    with pytest.raises(BadRequestError, match="No permission"):
        grace.members.remove(DEMO.ACME_DEV, owner_id)
    with pytest.raises(PermissionDeniedError, match="insufficient workspace role"):
        dify.members.invite(DEMO.PARTNER_LAB, "x@acme.example", "normal")
    with pytest.raises(NotFoundError):
        dify.members.remove(DEMO.ACME_DEV, "00000000-0000-4000-8000-00000000dead")


def test_seat_limit_is_member_limit_exceeded(emulator: EmulatorHandle, dify: DifyClient) -> None:
    emulator.admin.settings(member_limit=7)
    with pytest.raises(PermissionDeniedError) as raised:
        dify.members.invite(DEMO.ACME_DEV, "one.too.many@acme.example", "normal")
    assert raised.value.code == "member_limit_exceeded"
    assert raised.value.hint


def test_strict_query_is_enforced_by_the_server(dify: DifyClient) -> None:
    with pytest.raises(UnprocessableEntityError) as raised:
        dify.members.list(DEMO.ACME_DEV, limit=500).all()
    assert raised.value.details and raised.value.details[0].loc[-1] == "limit"
