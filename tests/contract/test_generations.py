"""Both API generations over real HTTP: detection, the catalog, moved paths, the 426 gate."""

from __future__ import annotations

import hashlib

import pytest

from dify_client import DifyClient, NotFoundError
from dify_client._errors import UnsupportedOperationError, UpgradeRequiredError
from tests.contract.conftest import ClientFactory
from tests.support.emulator import DEMO, EmulatorHandle
from tests.support.runs import TICKET, TRIAGE

S3 = pytest.mark.generations("s3")


@pytest.mark.generations("s2")
def test_a_server_without_a_catalog_is_s2_and_cannot_publish(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    assert dify.generation == "s2"
    assert not dify.supports("publish.console_app")
    dify.dsl.export(TRIAGE)
    stats = emulator.admin.stats()
    assert stats["GET /apps/{app_id}/export"] == 1
    assert stats["GET /_catalog"] == 1  # the one detection call


@S3
def test_an_s3_server_is_read_through_its_catalog(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    with emulator.client() as raw:
        answer = raw.get("/_catalog")
    assert answer.headers["X-Dify-Catalog"] == hashlib.sha256(answer.content).hexdigest()
    assert answer.json()["ops"]["export.console_app.dsl"]["path"] == "/apps/{app_id}/dsl"

    assert dify.generation == "s3"
    text = dify.dsl.export(TRIAGE)
    assert "workflow" in text
    dify.apps.describe(TRIAGE)
    stats = emulator.admin.stats()
    assert stats["GET /apps/{app_id}/dsl"] == 1
    assert stats["GET /apps/{app_id}"] == 1
    assert "GET /apps/{app_id}/export" not in stats


@S3
def test_s3_changes_a_role_with_patch_and_pages_workspaces(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    assert {w.id for w in dify.workspaces.list()} >= {DEMO.ACME_DEV, DEMO.ACME_PROD}
    member = next(m for m in dify.members.iter_all(DEMO.ACME_DEV) if m.role == "normal")
    dify.members.update_role(DEMO.ACME_DEV, member.id, "admin")
    roles = {m.id: m.role for m in dify.members.iter_all(DEMO.ACME_DEV)}
    assert roles[member.id] == "admin"
    assert emulator.admin.stats()["PATCH /workspaces/{workspace_id}/members/{member_id}"] == 1


@S3
def test_a_run_goes_to_the_route_of_the_apps_mode(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    result = dify.runs.run(TRIAGE, inputs=TICKET)
    assert result.status == "succeeded"
    assert emulator.admin.stats()["POST /apps/{app_id}/workflow:run"] == 1


@S3
def test_a_run_on_another_modes_route_is_refused_as_dify_does(
    emulator: EmulatorHandle,
) -> None:
    token = emulator.admin.token()
    with emulator.client(token) as raw:
        answer = raw.post(f"/apps/{TRIAGE}/chat:run", json={"inputs": {}, "query": "hi"})
    assert answer.status_code == 422
    assert answer.json()["code"] == "app_mode_mismatch"


@S3
def test_a_path_moved_on_the_server_is_found_through_the_new_catalog(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    dify.apps.describe(TRIAGE)  # catalog read, path cached
    emulator.admin.settings(s3_path_moves={"describe.console_app": "/apps/{app_id}/about"})
    emulator.admin.reset_stats()

    described = dify.apps.describe(TRIAGE)

    assert described.info is not None and described.info.id == TRIAGE
    stats = emulator.admin.stats()
    assert stats["GET /apps/{app_id}/about"] == 1
    assert stats["GET /_catalog"] == 1  # re-read once, when the fingerprint changed


@S3
def test_an_outdated_difyctl_is_gated_with_426_but_probes_pass(
    make_dify: ClientFactory,
) -> None:
    old = make_dify(user_agent="difyctl/0.1.0 (linux; amd64; stable)", generation="s3")
    old.version()  # `/_version` and `/_health` stay reachable
    with pytest.raises(UpgradeRequiredError) as caught:
        old.account.get()
    assert caught.value.status == 426
    assert caught.value.code == "upgrade_required"
    assert "docs.dify.ai" in (caught.value.hint or "")


@pytest.mark.generations("s2")
def test_forcing_s2_skips_detection_and_asking_for_publish_says_what_to_do(
    make_dify: ClientFactory, emulator: EmulatorHandle
) -> None:
    client = make_dify(generation="s2")
    with pytest.raises(UnsupportedOperationError) as caught:
        client._http.router.route("publish.console_app")
    assert emulator.base_url in caught.value.message and "S2" in caught.value.message
    assert "GET /_catalog" not in emulator.admin.stats()


@S3
def test_an_s2_client_path_on_an_s3_server_is_a_404(emulator: EmulatorHandle) -> None:
    with emulator.client(emulator.admin.token()) as raw:
        answer = raw.get(f"/apps/{TRIAGE}/export")
    assert answer.status_code == 404
    assert answer.headers["X-Dify-Catalog"]


def test_every_generation_reads_the_same_state(make_dify: ClientFactory) -> None:
    dify = make_dify()
    names = {app.name for app in dify.apps.iter_all(DEMO.ACME_DEV)}
    assert names
    with pytest.raises(NotFoundError):
        dify.apps.describe("00000000-0000-4000-8000-00000000dead")
