"""Property-based run of schemathesis against the emulator's own OpenAPI document.

The document (served at `/_emulator/openapi.json`, outside `/openapi/v1`) describes every
emulated route with its query and body models. Each generated request carries a fresh
valid token, and path/query ids are drawn from real seeded ids (plus an unknown one), so
the requests reach the handlers; whatever they contain, the server must never answer 5xx.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from emulator.app import create_app
from emulator.runtime import Emulator
from tests.emulator._helpers import ADA, UNKNOWN_UUID
from tests.support.emulator import DEMO

MAX_EXAMPLES = 40

KNOWN_VALUES = {
    "workspace_id": [DEMO.ACME_DEV, DEMO.ACME_PROD, DEMO.PARTNER_LAB, UNKNOWN_UUID],
    "app_id": [DEMO.app_id(n) for n in (101, 102, 103, 104, 105, 106, 107, 108, 201, 301)],
    "member_id": [DEMO.account_id(n) for n in (1, 2, 3, 4, 7, 9)] + [UNKNOWN_UUID],
}


def _document() -> dict[str, Any]:
    # Built in-process (no server is running at collection time, and schemathesis'
    # `from_fixture` does not work with this pytest); the first test pins it to the
    # document the server serves.
    app = create_app(Emulator(seed=None))
    try:
        document: dict[str, Any] = app.fastapi.openapi()
    finally:
        app.emulator.close()
    return document


# Runs are generated only where Dify itself never answers a 500. It does for a workflow
# app that was never published (102, 103), a run missing a required input (101's
# subject/body) and an unknown upload id in `files` or a file-shaped input value: bare
# ValueErrors behind the route's `except Exception`, pinned by tests/emulator/
# test_runtime_run.py and test_runtime_files.py. So a run draws its app from the
# published or model-config apps whose start form requires nothing (and an unknown one),
# sends no `files`, and plain input values.
RUN = ("/openapi/v1/apps/{app_id}/run", "post")
RUN_APP_IDS = [DEMO.app_id(n) for n in (104, 105, 106, 107, 108, 202, 301)] + [UNKNOWN_UUID]
PLAIN_VALUE = {"type": ["string", "number", "boolean", "null"]}


def _runs_without_faithful_500s(operation: dict[str, Any]) -> None:
    for parameter in operation["parameters"]:
        if parameter["name"] == "app_id":
            parameter["schema"] = {"type": "string", "enum": RUN_APP_IDS}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    del body["properties"]["files"]
    body["properties"]["inputs"]["additionalProperties"] = PLAIN_VALUE


def _with_known_ids(document: dict[str, Any]) -> dict[str, Any]:
    patched = copy.deepcopy(document)
    for operations in patched["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in KNOWN_VALUES:
                    values = KNOWN_VALUES[parameter["name"]]
                    parameter["schema"] = {"type": "string", "enum": values}
    path, method = RUN
    _runs_without_faithful_500s(patched["paths"][path][method])
    return patched


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(_with_known_ids(DOCUMENT))


@pytest.fixture(scope="module")
def http_session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def test_the_served_document_is_this_one(emulator: Any) -> None:
    served = emulator.admin.openapi()
    assert served == DOCUMENT
    assert all(path.startswith("/openapi/v1/") for path in served["paths"])


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any, emulator: Any, http_session: requests.Session) -> None:
    token = emulator.admin.token(ADA, device_label="schemathesis")
    response = case.call(
        base_url=emulator.base_url,
        session=http_session,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
