"""Small helpers shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.emulator import DEMO

ADA = "ada@acme.example"
GRACE = "grace@acme.example"  # admin in Dev and Prod
ALAN = "alan@acme.example"  # editor in Dev, normal in Prod
KATHERINE = "katherine@acme.example"  # normal in Dev, editor in Prod
MARGARET = "margaret@partner.example"  # owner of Partner Lab

DEV = DEMO.ACME_DEV
PROD = DEMO.ACME_PROD
LAB = DEMO.PARTNER_LAB

TRIAGE = DEMO.app_id(101)
RELEASE_NOTES = DEMO.app_id(102)
HELPDESK = DEMO.app_id(103)
ONBOARDING = DEMO.app_id(104)
RESEARCH_AGENT = DEMO.app_id(105)
COPYWRITER = DEMO.app_id(106)
STANDALONE_AGENT = DEMO.app_id(107)
COST_REPORT = DEMO.app_id(108)
PROD_TRIAGE = DEMO.app_id(201)
PROD_HELPDESK = DEMO.app_id(202)
LAB_FAQ = DEMO.app_id(301)

TRIAGE_DESCRIPTION = "Classifies an incoming support ticket and files it in the ticketing system."
UNKNOWN_UUID = "0b0b0b0b-0000-4000-8000-000000000000"


def error_body(response: httpx.Response) -> dict[str, Any]:
    """The ErrorBody of a response, checked for the §1.4 shape."""
    body = response.json()
    assert isinstance(body, dict), body
    assert body["status"] == response.status_code
    assert isinstance(body["code"], str)
    assert isinstance(body["message"], str)
    assert set(body) <= {"code", "message", "status", "hint", "details"}
    return body


def assert_error(
    response: httpx.Response, status: int, message: str | None = None, code: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = error_body(response)
    if message is not None:
        assert body["message"] == message
    if code is not None:
        assert body["code"] == code
    return body
