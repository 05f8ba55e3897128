"""S3 draft environment variables over real HTTP (Dify `api/controllers/openapi/app_workflow.py`
`AppEnvListApi` / `AppEnvItemApi`): masking, the secret-mask rules, delete, and what an
S2 server answers instead."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import yaml

from dify_client import DifyClient, NotFoundError
from dify_client._errors import (
    BadRequestError,
    UnprocessableEntityError,
    UnsupportedOperationError,
)
from dify_client.models import SECRET_MASK, EnvVariable
from tests.support.emulator import DEMO, EmulatorHandle
from tests.support.runs import TRIAGE

S3 = pytest.mark.generations("s3")

TICKETING_KEY_ID = "5f0c8a51-2d3e-4b7a-9c61-0e1f2a3b4c01"  # secret, tk-demo-… in the seed
BASE_URL_ID = "5f0c8a51-2d3e-4b7a-9c61-0e1f2a3b4c02"  # string
NEW_ID = "6a7b8c9d-0000-4000-8000-00000000e001"
SECRET = "sk-live-Zq81-never-logged"
ONBOARDING = DEMO.app_id(104)  # chat
RELEASE_NOTES = DEMO.app_id(102)  # workflow


def _by_id(dify: DifyClient, app_id: str = TRIAGE) -> dict[str, EnvVariable]:
    return {v.id: v for v in dify.env.list(app_id)}


def _exported_env(dify: DifyClient, *, include_secret: bool) -> dict[str, Any]:
    dsl = yaml.safe_load(dify.dsl.export(TRIAGE, include_secret=include_secret))
    return {v["name"]: v for v in dsl["workflow"]["environment_variables"]}


@S3
def test_the_seeded_secret_is_listed_masked_and_plain_values_as_they_are(
    dify: DifyClient,
) -> None:
    rows = _by_id(dify)
    assert rows[TICKETING_KEY_ID].value_type == "secret"
    assert rows[TICKETING_KEY_ID].value == SECRET_MASK and rows[TICKETING_KEY_ID].masked
    assert rows[BASE_URL_ID].value == "https://tickets.acme.example/api/v2"
    assert not rows[BASE_URL_ID].masked


@S3
def test_a_secret_set_is_masked_in_the_list_and_real_only_in_an_include_secret_export(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    dify.env.set(TRIAGE, NEW_ID, name="PAYMENTS_KEY", value=SECRET, value_type="secret")

    row = _by_id(dify)[NEW_ID]
    assert (row.name, row.value_type, row.value) == ("PAYMENTS_KEY", "secret", SECRET_MASK)
    assert _exported_env(dify, include_secret=True)["PAYMENTS_KEY"]["value"] == SECRET
    assert _exported_env(dify, include_secret=False)["PAYMENTS_KEY"]["value"] == ""
    assert emulator.admin.stats()["PUT /apps/{app_id}/env/{env_id}"] == 1


@S3
def test_an_empty_secret_reads_as_empty(dify: DifyClient) -> None:
    dify.env.set(TRIAGE, NEW_ID, name="UNSET_KEY", value="", value_type="secret")
    row = _by_id(dify)[NEW_ID]
    assert row.value == "" and not row.masked


@S3
def test_setting_one_variable_replaces_it_in_place_and_leaves_the_others(
    dify: DifyClient,
) -> None:
    before = [v.id for v in dify.env.list(TRIAGE)]
    dify.env.set(TRIAGE, BASE_URL_ID, name="TICKETING_BASE_URL", value="https://t.example/v3")
    after = dify.env.list(TRIAGE)
    assert [v.id for v in after] == before
    assert _by_id(dify)[BASE_URL_ID].value == "https://t.example/v3"
    assert _by_id(dify)[TICKETING_KEY_ID].masked


@S3
def test_the_mask_on_a_stored_secret_keeps_its_value(dify: DifyClient) -> None:
    original = _exported_env(dify, include_secret=True)["TICKETING_API_KEY"]["value"]
    assert original.startswith("tk-demo-")

    dify.env.set(
        TRIAGE,
        TICKETING_KEY_ID,
        name="TICKETING_API_KEY",
        value=SECRET_MASK,
        value_type="secret",
        description="rotated description only",
    )

    exported = _exported_env(dify, include_secret=True)["TICKETING_API_KEY"]
    assert exported["value"] == original
    assert exported["description"] == "rotated description only"


@S3
def test_the_mask_with_a_non_secret_type_is_refused(dify: DifyClient) -> None:
    with pytest.raises(BadRequestError) as raised:
        dify.env.set(TRIAGE, TICKETING_KEY_ID, name="TICKETING_API_KEY", value=SECRET_MASK)
    assert raised.value.code == "secret_mask_not_secret"
    # nothing changed: the secret is still a secret with its value
    assert _exported_env(dify, include_secret=True)["TICKETING_API_KEY"]["value_type"] == "secret"


@S3
def test_the_mask_for_an_id_that_is_not_a_stored_secret_is_refused(dify: DifyClient) -> None:
    for env_id in (NEW_ID, BASE_URL_ID):  # unknown id; a stored string
        with pytest.raises(BadRequestError) as raised:
            dify.env.set(TRIAGE, env_id, name="X", value=SECRET_MASK, value_type="secret")
        assert raised.value.code == "secret_mask_unknown_id"
    assert NEW_ID not in _by_id(dify)


@S3
def test_delete_removes_one_variable_and_an_unknown_id_is_404(dify: DifyClient) -> None:
    dify.env.delete(TRIAGE, BASE_URL_ID)
    assert set(_by_id(dify)) == {TICKETING_KEY_ID}
    assert "TICKETING_BASE_URL" not in _exported_env(dify, include_secret=True)

    with pytest.raises(NotFoundError) as raised:
        dify.env.delete(TRIAGE, BASE_URL_ID)
    assert raised.value.code == "env_variable_not_found"
    assert raised.value.status == 404


@S3
def test_only_workflow_apps_with_a_draft_have_env(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    with pytest.raises(UnprocessableEntityError) as mode:
        dify.env.list(ONBOARDING)
    assert mode.value.code == "app_mode_mismatch"

    store = emulator.server.emulator.store
    store.db.execute("DELETE FROM workflows WHERE app_id = ?", (RELEASE_NOTES,))
    with pytest.raises(NotFoundError) as draft:
        dify.env.set(RELEASE_NOTES, NEW_ID, name="X", value="1")
    assert draft.value.code == "draft_not_found"


@S3
def test_a_number_variable_needs_a_number(dify: DifyClient) -> None:
    dify.env.set(TRIAGE, NEW_ID, name="MAX_RETRIES", value=3, value_type="number")
    assert _by_id(dify)[NEW_ID].value == 3
    with pytest.raises(BadRequestError):
        dify.env.set(TRIAGE, NEW_ID, name="MAX_RETRIES", value="three", value_type="number")
    assert _by_id(dify)[NEW_ID].value == 3


@S3
def test_a_secret_value_never_reaches_a_log_record(
    make_dify: Any, caplog: pytest.LogCaptureFixture
) -> None:
    dify = make_dify(verbose=True)
    caplog.set_level(logging.DEBUG)

    dify.env.set(TRIAGE, NEW_ID, name="PAYMENTS_KEY", value=SECRET, value_type="secret")
    with pytest.raises(BadRequestError) as raised:  # an error path too
        dify.env.set(TRIAGE, BASE_URL_ID, name="B", value=SECRET, value_type="number")
    rows = dify.env.list(TRIAGE)

    assert any("env" in record.getMessage() for record in caplog.records)  # it did log
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert SECRET not in str(record.args)
    assert SECRET not in str(raised.value) and SECRET not in repr(raised.value)
    assert all(SECRET not in repr(row) for row in rows)


def test_a_secret_row_hides_its_value_in_repr() -> None:
    row = EnvVariable(id="e", name="K", value_type="secret", value="sk-raw-value")
    assert "sk-raw-value" not in repr(row)
    plain = EnvVariable(id="e", name="U", value_type="string", value="https://x.example")
    assert "https://x.example" in repr(plain)


@pytest.mark.generations("s2")
def test_an_s2_server_has_no_env_operations(dify: DifyClient, emulator: EmulatorHandle) -> None:
    assert not dify.supports("set.console_app.env")
    for call in (
        lambda: dify.env.list(TRIAGE),
        lambda: dify.env.set(TRIAGE, NEW_ID, name="K", value=SECRET, value_type="secret"),
        lambda: dify.env.delete(TRIAGE, BASE_URL_ID),
    ):
        with pytest.raises(UnsupportedOperationError) as raised:
            call()
        assert SECRET not in str(raised.value)
    assert not any(key.startswith(("PUT", "DELETE")) for key in emulator.admin.stats())
