"""Apps and DSL: list, describe, export, import (every status), confirm, dependencies."""

from __future__ import annotations

import pytest
import yaml

from dify_client import DifyClient, ImportFailedError, NotFoundError, PermissionDeniedError
from dify_client.models import ImportStatus
from tests.support.emulator import DEMO, EmulatorHandle

TRIAGE_DEV = "a0000000-0000-4000-8000-000000000101"
HELPDESK_DEV = "a0000000-0000-4000-8000-000000000103"
COST_REPORT_HIDDEN = "a0000000-0000-4000-8000-000000000108"


def test_list_hides_what_the_api_cannot_see(dify: DifyClient) -> None:
    page = dify.apps.list(DEMO.ACME_DEV, limit=200)
    names = {a.name for a in page}
    assert "Support Ticket Triage" in names
    assert "Internal Cost Report" not in names  # Service API off
    assert "Standalone Research Agent" not in names  # agent mode is not listable
    assert page.total > len(names)  # total counts the non-listable agent app


def test_list_filters_and_exact_name_lookup(dify: DifyClient) -> None:
    workflows = {a.name for a in dify.apps.iter_all(DEMO.ACME_DEV, mode="workflow")}
    assert workflows == {"Support Ticket Triage", "Release Notes Digest"}
    assert [a.id for a in dify.apps.find_by_name(DEMO.ACME_DEV, "Policy Helpdesk")] == [
        HELPDESK_DEV
    ]
    assert dify.apps.find_by_name(DEMO.ACME_DEV, "Policy") == []
    by_id = dify.apps.list(DEMO.ACME_DEV, name=TRIAGE_DEV)
    assert [a.id for a in by_id] == [TRIAGE_DEV]


def test_list_pages_at_200(emulator: EmulatorHandle, dify: DifyClient) -> None:
    emulator.admin.bulk(DEMO.ACME_PROD, apps=250)
    emulator.admin.reset_stats()
    apps = list(dify.apps.iter_all(DEMO.ACME_PROD))
    assert len(apps) >= 250
    assert emulator.admin.stats()["GET /apps"] == 2


def test_describe_with_and_without_fields(dify: DifyClient) -> None:
    full = dify.apps.describe(TRIAGE_DEV)
    assert full.info is not None and full.info.service_api_enabled
    assert full.input_schema is not None and full.input_schema["type"] == "object"
    assert full.parameters is not None
    only_info = dify.apps.describe(TRIAGE_DEV, fields=["info"])
    assert only_info.info is not None
    assert only_info.parameters is None and only_info.input_schema is None


def test_hidden_app_answers_service_api_disabled(dify: DifyClient) -> None:
    with pytest.raises(PermissionDeniedError, match="service_api_disabled"):
        dify.apps.describe(COST_REPORT_HIDDEN)


def test_permitted_external_apps_do_not_exist_on_community(dify: DifyClient) -> None:
    with pytest.raises(NotFoundError):
        dify.apps.permitted_external().all()


def test_permitted_external_apps_in_enterprise_mode(emulator: EmulatorHandle, make_dify) -> None:
    emulator.admin.settings(enterprise=True)
    sso = make_dify(None, token=emulator.admin.external_token("visitor@partner.example"))
    names = {a.name for a in sso.apps.permitted_external()}
    assert {"Policy Helpdesk", "Onboarding Buddy"} <= names


def test_export_blanks_secrets_unless_asked(dify: DifyClient) -> None:
    plain = yaml.safe_load(dify.dsl.export(TRIAGE_DEV))
    with_secret = yaml.safe_load(dify.dsl.export(TRIAGE_DEV, include_secret=True))
    secret = _env(plain, "TICKETING_API_KEY")
    assert secret["value_type"] == "secret" and secret["value"] == ""
    assert _env(with_secret, "TICKETING_API_KEY")["value"].startswith("tk-demo-")
    assert plain["version"] == "0.6.0" and plain["kind"] == "app"


def test_export_of_an_unknown_workflow_version_is_the_bare_string_404(dify: DifyClient) -> None:
    with pytest.raises(NotFoundError) as raised:
        dify.dsl.export(TRIAGE_DEV, workflow_id="00000000-0000-4000-8000-00000000dead")
    assert raised.value.message == "Missing draft workflow configuration, please check."


def test_export_of_a_published_version(dify: DifyClient) -> None:
    published = dify.dsl.export(TRIAGE_DEV, workflow_id="f0000000-0000-4000-8000-000000001101")
    assert published != dify.dsl.export(TRIAGE_DEV)


def test_import_new_app_then_overwrite_it(dify: DifyClient) -> None:
    text = dify.dsl.export(TRIAGE_DEV)
    created = dify.dsl.import_(DEMO.ACME_PROD, yaml_content=text, name="Triage Copy")
    assert created.status == ImportStatus.COMPLETED and created.app_id
    edited = text.replace("Support Ticket Triage", "Support Ticket Triage v2", 1)
    updated = dify.dsl.import_(DEMO.ACME_PROD, yaml_content=edited, app_id=created.app_id)
    assert updated.is_completed and updated.app_id == created.app_id
    assert "Support Ticket Triage v2" in dify.dsl.export(created.app_id)


def test_older_minor_version_completes_with_warnings(dify: DifyClient) -> None:
    text = dify.dsl.export(TRIAGE_DEV).replace("version: 0.6.0", "version: 0.5.0")
    result = dify.dsl.import_(DEMO.ACME_PROD, yaml_content=text)
    assert result.status == ImportStatus.COMPLETED_WITH_WARNINGS


def test_newer_version_is_pending_until_confirmed(dify: DifyClient) -> None:
    text = dify.dsl.export(TRIAGE_DEV).replace("version: 0.6.0", "version: 0.7.0")
    pending = dify.dsl.import_(DEMO.ACME_PROD, yaml_content=text)
    assert pending.is_pending and pending.app_id is None
    assert (pending.imported_dsl_version, pending.current_dsl_version) == ("0.7.0", "0.6.0")
    confirmed = dify.dsl.confirm(DEMO.ACME_PROD, pending.id)
    assert confirmed.is_completed and confirmed.app_id
    again = dify.dsl.confirm(DEMO.ACME_PROD, pending.id)
    assert again.is_failed


def test_pending_import_expires_after_ten_minutes(
    emulator: EmulatorHandle, dify: DifyClient
) -> None:
    text = dify.dsl.export(TRIAGE_DEV).replace("version: 0.6.0", "version: 0.7.0")
    pending = dify.dsl.import_(DEMO.ACME_PROD, yaml_content=text)
    emulator.admin.advance(601)
    with pytest.raises(ImportFailedError, match="expired or does not exist"):
        dify.dsl.confirm(DEMO.ACME_PROD, pending.id, raise_on_failure=True)


def test_failed_import_is_a_result(dify: DifyClient) -> None:
    result = dify.dsl.import_(DEMO.ACME_PROD, yaml_content="kind: app\nversion: '0.6.0'\n")
    assert result.is_failed and result.error == "Missing app data in YAML content"
    overwrite_chat = dify.dsl.import_(
        DEMO.ACME_DEV,
        yaml_content=dify.dsl.export("a0000000-0000-4000-8000-000000000104"),
        app_id="a0000000-0000-4000-8000-000000000104",
    )
    assert overwrite_chat.is_failed
    assert "Only workflow or advanced chat apps can be overwritten" in (overwrite_chat.error or "")


def test_check_dependencies_reports_plugins_the_target_lacks(dify: DifyClient) -> None:
    text = dify.dsl.export(HELPDESK_DEV)
    result = dify.dsl.import_(DEMO.ACME_PROD, yaml_content=text, name="Helpdesk Copy")
    assert result.app_id
    leaked = dify.dsl.check_dependencies(result.app_id)
    assert [d.plugin for d in leaked] == ["langgenius/cohere"]


def _env(data: dict, name: str) -> dict:
    return next(v for v in data["workflow"]["environment_variables"] if v["name"] == name)
