"""`GET /apps`, describe and permitted-external-apps (contract §2.3)."""

from __future__ import annotations

import pytest

from tests.emulator._helpers import (
    ADA,
    COPYWRITER,
    COST_REPORT,
    DEV,
    HELPDESK,
    LAB,
    LAB_FAQ,
    ONBOARDING,
    PROD_TRIAGE,
    STANDALONE_AGENT,
    TRIAGE,
    TRIAGE_DESCRIPTION,
    UNKNOWN_UUID,
    assert_error,
)


@pytest.fixture
def ada(emulator):
    return emulator.client(emulator.admin.token(ADA))


def test_list_hides_api_disabled_and_non_listable_modes(ada):
    body = ada.get("/apps", params={"workspace_id": DEV}).json()
    names = [row["name"] for row in body["data"]]
    assert "Internal Cost Report" not in names  # Service API off: filtered in SQL
    assert "Standalone Research Agent" not in names  # mode agent: dropped after paging
    # total counts the agent app: non-listable modes are dropped after the page is fetched
    assert (body["total"], len(body["data"])) == (7, 6)
    assert [row["name"] for row in body["data"]][-1] == "Support Ticket Triage"  # newest first
    row = body["data"][-1]
    assert row == {
        "id": TRIAGE,
        "name": "Support Ticket Triage",
        "description": TRIAGE_DESCRIPTION,
        "mode": "workflow",
        "updated_at": "2025-04-02T14:30:00",
        "workspace_id": DEV,
        "workspace_name": "Acme Dev",
    }


def test_list_filters(emulator, ada):
    def names(**params):
        body = ada.get("/apps", params={"workspace_id": DEV, **params}).json()
        return sorted(row["name"] for row in body["data"])

    assert names(mode="workflow") == ["Release Notes Digest", "Support Ticket Triage"]
    assert names(mode="advanced-chat") == ["Policy Helpdesk"]
    assert names(name="TICKET") == ["Support Ticket Triage"]
    assert names(name="Policy Helpdesk with a far too long suffix!") == []
    long_name = "Onboarding Buddy for the Engineering Department"
    emulator.admin.edit_app(ONBOARDING, name=long_name)
    assert names(name=long_name + " (v2)") == [long_name]  # only the first 30 characters count
    assert names(tag="support") == ["Policy Helpdesk", "Support Ticket Triage"]
    assert names(tag="nope") == []
    assert names(unknown_param="ignored") == names()  # GET /apps is lenient


@pytest.mark.parametrize("mode", ["agent", "rag-pipeline", "channel", "bogus"])
def test_list_rejects_non_listable_mode_filters(ada, mode):
    response = ada.get("/apps", params={"workspace_id": DEV, "mode": mode})
    assert_error(response, 422, "Request validation failed")


def test_name_as_uuid_is_an_exact_lookup(ada):
    body = ada.get("/apps", params={"workspace_id": DEV, "name": HELPDESK, "limit": 50}).json()
    assert (body["page"], body["limit"], body["total"], body["has_more"]) == (1, 1, 1, False)
    assert body["data"][0]["id"] == HELPDESK
    for other in (PROD_TRIAGE, COST_REPORT, STANDALONE_AGENT, UNKNOWN_UUID):
        empty = ada.get("/apps", params={"workspace_id": DEV, "name": other}).json()
        assert (empty["total"], empty["data"], empty["limit"]) == (0, [], 20)


def test_list_pagination_with_bulk_apps(emulator, ada):
    result = emulator.admin.bulk(DEV, apps=300)
    assert result["apps"]["count"] == 300 and len(set(result["apps"]["ids"])) == 300
    first = ada.get("/apps", params={"workspace_id": DEV, "limit": 200}).json()
    assert (first["total"], len(first["data"]), first["has_more"]) == (307, 200, True)
    second = ada.get("/apps", params={"workspace_id": DEV, "limit": 200, "page": 2}).json()
    assert second["has_more"] is False
    assert len(second["data"]) == 106  # 107 rows on the page, minus the agent app
    seen = [row["id"] for row in first["data"] + second["data"]]
    assert len(seen) == len(set(seen)) == 306
    past = ada.get("/apps", params={"workspace_id": DEV, "limit": 200, "page": 3}).json()
    assert past["data"] == [] and past["total"] == 307
    for limit in (0, 201, "x"):
        assert_error(ada.get("/apps", params={"workspace_id": DEV, "limit": limit}), 422)
    # Bulk data is deterministic: the same request gives the same ids and adds nothing.
    assert emulator.admin.bulk(DEV, apps=300)["apps"]["ids"] == result["apps"]["ids"]
    assert ada.get("/apps", params={"workspace_id": DEV}).json()["total"] == 307


def test_partner_lab_is_visible_to_its_normal_member(ada):
    body = ada.get("/apps", params={"workspace_id": LAB}).json()
    assert {row["name"] for row in body["data"]} == {"Partner FAQ Bot", "Lab Notes Summarizer"}
    assert {row["workspace_name"] for row in body["data"]} == {"Partner Lab"}


def test_describe_workflow_app(ada):
    body = ada.get(f"/apps/{TRIAGE}/describe").json()
    assert set(body) == {"info", "parameters", "input_schema"}
    assert body["info"] == {
        "id": TRIAGE,
        "name": "Support Ticket Triage",
        "description": TRIAGE_DESCRIPTION,
        "mode": "workflow",
        "updated_at": "2025-04-02T14:30:00",
        "service_api_enabled": True,
        "is_agent": False,
    }
    form = body["parameters"]["user_input_form"]
    assert [next(iter(row)) for row in form] == ["text-input", "paragraph", "select"]
    assert body["parameters"]["system_parameters"]["file_size_limit"] == 15
    assert body["input_schema"] == {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "inputs": {
                "type": "object",
                "properties": {
                    "subject": {"type": "string", "title": "Subject", "maxLength": 200},
                    "body": {"type": "string", "title": "Ticket body", "maxLength": 4000},
                    "tier": {
                        "type": "string",
                        "title": "Customer tier",
                        "enum": ["free", "pro", "enterprise"],
                    },
                },
                "required": ["subject", "body"],
                "additionalProperties": False,
            }
        },
        "required": ["inputs"],
    }


def test_describe_chat_family_requires_query(ada):
    schema = ada.get(f"/apps/{ONBOARDING}/describe", params={"fields": "input_schema"}).json()
    assert schema["info"] is None and schema["parameters"] is None
    props = schema["input_schema"]["properties"]
    assert props["query"] == {"type": "string", "minLength": 1}
    assert schema["input_schema"]["required"] == ["query", "inputs"]
    assert props["inputs"]["properties"]["department"]["enum"] == [
        "Engineering",
        "Sales",
        "Finance",
        "People",
    ]
    helpdesk = ada.get(f"/apps/{HELPDESK}/describe", params={"fields": "info"}).json()
    assert helpdesk["info"]["is_agent"] is True  # advanced-chat counts as an agent
    copy = ada.get(f"/apps/{COPYWRITER}/describe", params={"fields": "parameters,input_schema"})
    assert copy.json()["parameters"]["more_like_this"] == {"enabled": True}
    assert "query" not in copy.json()["input_schema"]["properties"]  # completion


def test_describe_falls_back_when_config_is_unusable(ada):
    body = ada.get(f"/apps/{STANDALONE_AGENT}/describe").json()
    assert body["parameters"] == {
        "opening_statement": None,
        "suggested_questions": [],
        "user_input_form": [],
        "file_upload": None,
        "system_parameters": {},
    }
    assert body["input_schema"]["properties"] == {}


@pytest.mark.parametrize(
    "params", [{"fields": "info,bogus"}, {"other": "1"}, {"workspace_id": DEV}]
)
def test_describe_query_is_strict(ada, params):
    assert_error(
        ada.get(f"/apps/{TRIAGE}/describe", params=params), 422, "Request validation failed"
    )


def test_permitted_external_apps_is_404_before_auth_on_community(emulator):
    response = emulator.client().get("/permitted-external-apps")
    assert_error(response, 404, code="not_found")
    assert "requested URL was not found" in response.json()["message"]


def test_permitted_external_apps_in_enterprise_mode(emulator):
    emulator.admin.settings(enterprise=True)
    external = emulator.client(emulator.admin.external_token("guest@partner.example"))
    body = external.get("/permitted-external-apps").json()
    assert {row["id"] for row in body["data"]} == {HELPDESK, ONBOARDING, LAB_FAQ}
    assert body["total"] == 3
    chat = external.get("/permitted-external-apps", params={"mode": "chat"}).json()
    assert {row["id"] for row in chat["data"]} == {ONBOARDING, LAB_FAQ}
    for params in ({"workspace_id": DEV}, {"tag": "x"}, {"limit": 201}):
        assert_error(external.get("/permitted-external-apps", params=params), 422)
    account = emulator.client(emulator.admin.token(ADA))
    assert_error(account.get("/permitted-external-apps"), 403, "unsupported_token_type")
    assert_error(emulator.client().get("/permitted-external-apps"), 401, "bearer required")


def test_app_ids_are_read_like_postgres_uuids(ada):
    assert ada.get(f"/apps/{TRIAGE.upper()}/describe").json()["info"]["id"] == TRIAGE
    found = ada.get("/apps", params={"workspace_id": DEV.upper(), "name": TRIAGE.upper()}).json()
    assert found["data"][0]["id"] == TRIAGE
