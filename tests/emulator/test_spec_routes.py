"""The emulator's route table against the endpoint list of `../shared/spec/openapi-v1.txt`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emulator.app import create_app
from emulator.runtime import Emulator
from tests.emulator._helpers import TRIAGE, assert_error

SPEC_FILE = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "openapi-v1.txt"
ENDPOINT = re.compile(r"^\[(GET|POST|PUT|PATCH|DELETE)\] (/\S*)$")

RUNTIME = {
    ("POST", "/apps/{app_id}/run"),
    ("GET", "/apps/{app_id}/tasks/{task_id}/events"),
    ("POST", "/apps/{app_id}/tasks/{task_id}/stop"),
    ("POST", "/apps/{app_id}/files/upload"),
    ("GET", "/apps/{app_id}/form/human_input/{form_token}"),
    ("POST", "/apps/{app_id}/form/human_input/{form_token}"),
}


@pytest.fixture(scope="module")
def spec_endpoints() -> set[tuple[str, str]]:
    if not SPEC_FILE.is_file():
        pytest.skip(f"spec not found at {SPEC_FILE} (it lives outside the repository)")
    endpoints = set()
    for line in SPEC_FILE.read_text(encoding="utf-8").splitlines():
        match = ENDPOINT.match(line.strip())
        if match:
            endpoints.add((match.group(1), match.group(2)))
    assert len(endpoints) > 20
    return endpoints


def emulator_routes() -> set[tuple[str, str]]:
    app = create_app(Emulator(seed=None))
    try:
        return set(app.routes.templates())
    finally:
        app.emulator.close()


def test_every_endpoint_of_the_spec_is_served(spec_endpoints):
    assert len(spec_endpoints) == 31
    assert spec_endpoints >= RUNTIME
    assert emulator_routes() == spec_endpoints


def test_runtime_endpoints_are_routes_not_unknown_paths(emulator):
    """Without a bearer each runtime route answers the auth pipeline's 401, not a 404."""
    api = emulator.client()
    for method, template in sorted(RUNTIME):
        path = template.format(app_id=TRIAGE, task_id="t-1", form_token="f-1")
        assert_error(api.request(method, path), 401, "bearer required")


def test_runtime_endpoints_are_in_the_served_openapi_document(emulator):
    paths = emulator.admin.openapi()["paths"]
    for method, template in RUNTIME:
        assert method.lower() in paths["/openapi/v1" + template]
