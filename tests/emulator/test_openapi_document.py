"""The emulator's own OpenAPI document describes what the server answers, refusals included
(issue 14, auth order under fuzz: schemathesis checks answers against this document)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema

from tests.emulator._helpers import ADA, ALAN, COST_REPORT, DEV, LAB, ONBOARDING


def declared(document: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    """The response the document declares for `status` (exact code, then its range)."""
    responses = document["paths"]["/openapi/v1" + path][method.lower()]["responses"]
    for key in (str(status), f"{status // 100}XX", "default"):
        if key in responses:
            found: dict[str, Any] = responses[key]
            return found
    raise AssertionError(f"{method} {path} does not declare {status}: {sorted(responses)}")


def assert_conforms(document: dict[str, Any], template: str, response: httpx.Response) -> None:
    method = response.request.method
    content = declared(document, method, template, response.status_code)["content"]
    schema = content[response.headers["content-type"].split(";")[0]]["schema"]
    jsonschema.validate(response.json(), {**schema, "components": document["components"]})


def test_refusals_are_declared_as_the_error_body_the_server_sends(emulator) -> None:
    document = emulator.admin.openapi()
    anonymous = emulator.client()
    alan = emulator.client(emulator.admin.token(ALAN))
    ada = emulator.client(emulator.admin.token(ADA))
    answers = [
        ("/apps", anonymous.get("/apps"), 401),
        ("/apps/{app_id}/export", ada.get(f"/apps/{COST_REPORT}/export"), 403),
        ("/workspaces/{workspace_id}/members", alan.get(f"/workspaces/{LAB}/members"), 404),
        (
            "/workspaces/{workspace_id}/members",
            ada.get(f"/workspaces/{DEV}/members", params={"limit": 999}),
            422,
        ),
        ("/oauth/device/token", anonymous.post("/oauth/device/token", json={}), 400),
    ]
    for template, response, status in answers:
        assert response.status_code == status, response.text
        assert_conforms(document, template, response)
    assert "HTTPValidationError" not in json.dumps(document)  # FastAPI's shape, never sent


def test_a_run_is_declared_as_an_event_stream(emulator) -> None:
    document = emulator.admin.openapi()
    ok = declared(document, "POST", "/apps/{app_id}/run", 200)
    assert "text/event-stream" in ok["content"]
    ada = emulator.client(emulator.admin.token(ADA))
    body = {"inputs": {}, "query": "hello", "response_mode": "streaming"}
    with ada.stream("POST", f"/apps/{ONBOARDING}/run", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")


def test_s3_declares_the_request_models_and_success_statuses_of_its_handlers(emulator) -> None:
    # S3 serves the S2 handlers under new paths; its document said nothing of their
    # bodies or queries and gave every one a 200 (an invite answers 201, an import 202).
    emulator.admin.settings(generation="s3")
    document = emulator.admin.openapi()
    invite = document["paths"]["/openapi/v1/workspaces/{workspace_id}/members"]["post"]
    body = invite["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"email", "role"}
    members = document["paths"]["/openapi/v1/workspaces/{workspace_id}/members"]["get"]
    assert {p["name"] for p in members["parameters"]} >= {"page", "limit"}
    ada = emulator.client(emulator.admin.token(ADA))
    invited = ada.post(
        f"/workspaces/{DEV}/members", json={"email": "new@x.example", "role": "normal"}
    )
    assert invited.status_code == 201
    assert "201" in invite["responses"]
    imports = document["paths"]["/openapi/v1/workspaces/{workspace_id}/apps/imports"]["post"]
    assert {"200", "202", "400"} <= set(imports["responses"])
