"""Promotion against the emulator when an import gets no answer (issue 14.15): read back,
an import the server applied before the connection dropped is verified and applied; one
dropped before it reached the application is failed, and the target is as it was."""

from __future__ import annotations

import pytest

from flows.promote import run_apply
from reconcile.promotion.result import Outcome
from tests.flows.backup_support import sign_in
from tests.flows.promote_support import (
    DEV_TRIAGE,
    PROD_TRIAGE,
    app_ids_by_name,
    change_dev,
    export,
    request,
)
from tests.support.emulator import DEMO, EmulatorHandle

IMPORT_ROUTE = "POST /workspaces/{workspace_id}/apps/imports"


@pytest.fixture(autouse=True)
def signed_in(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> str:
    return sign_in(emulator, monkeypatch)


def test_an_update_applied_before_the_connection_dropped_is_reported_applied(
    emulator: EmulatorHandle,
) -> None:
    change_dev(emulator, DEV_TRIAGE, "Applied, then dropped")
    emulator.admin.fault("drop_after_write", route=IMPORT_ROUTE, times=1)
    _, result = run_apply(request("Support Ticket Triage"))
    triage = result.apps[0]
    assert triage.outcome == Outcome.APPLIED, triage.message
    assert "; verified" in triage.message and result.ok
    assert any("got no answer" in item for item in triage.attention)
    assert "Applied, then dropped" in export(emulator, PROD_TRIAGE)


def test_a_new_app_applied_before_the_connection_dropped_is_not_imported_twice(
    emulator: EmulatorHandle,
) -> None:
    emulator.admin.fault("drop_after_write", route=IMPORT_ROUTE, times=1)
    _, result = run_apply(request("Release Notes Digest"))
    digest = result.apps[0]
    assert digest.outcome == Outcome.APPLIED, digest.message
    [new_id] = app_ids_by_name(emulator, DEMO.ACME_PROD)["Release Notes Digest"]
    assert digest.app_id == new_id


def test_an_import_dropped_before_it_was_served_is_failed(emulator: EmulatorHandle) -> None:
    change_dev(emulator, DEV_TRIAGE, "Never arrived")
    before = export(emulator, PROD_TRIAGE, include_secret=True)
    emulator.admin.fault("drop_connection", route=IMPORT_ROUTE, times=1)
    _, result = run_apply(request("Support Ticket Triage"))
    triage = result.apps[0]
    assert triage.outcome == Outcome.FAILED
    assert "the import was not applied" in triage.message
    assert export(emulator, PROD_TRIAGE, include_secret=True) == before
