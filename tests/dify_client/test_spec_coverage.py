"""Every endpoint of `../shared/spec/openapi-v1.txt` has a client method that calls it.

Each public method is called once against a transport that records the request and
answers 404, so no answer needs to be faked; the recorded (method, path) pairs, matched
to the spec's path templates, must cover the spec exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from dify_client import DifyClient, DifyError, RetryPolicy
from dify_client.testing import FakeClock
from tests.dify_client.conftest import TOKEN

SPEC_FILE = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "openapi-v1.txt"
ENDPOINT = re.compile(r"^\[(GET|POST|PUT|PATCH|DELETE)\] (/\S*)$")
ID = "0a1b2c3d-0000-4000-8000-000000000001"
CODE = "ABCD-EFGH"

# One call per client method, each naming the API area it belongs to.
CALLS: list[Callable[[DifyClient], Any]] = [
    lambda c: c.health(),
    lambda c: c.version(),
    lambda c: c.account.get(),
    lambda c: c.sessions.list(),
    lambda c: c.sessions.revoke(ID),
    lambda c: c.sessions.revoke_current(),
    lambda c: c.apps.list(ID),
    lambda c: c.apps.describe(ID),
    lambda c: c.apps.permitted_external(),
    lambda c: c.dsl.export(ID),
    lambda c: c.dsl.import_(ID, yaml_content="app: {}"),
    lambda c: c.dsl.confirm(ID, ID),
    lambda c: c.dsl.check_dependencies(ID),
    lambda c: c.runs.stream(ID, inputs={}),
    lambda c: c.runs.events(ID, ID),
    lambda c: c.runs.stop(ID, ID),
    lambda c: c.files.upload(ID, b"hello", filename="a.txt", mime_type="text/plain"),
    lambda c: c.forms.get(ID, "form-token"),
    lambda c: c.forms.submit(ID, "form-token", action="approve", inputs={}),
    lambda c: c.workspaces.list(),
    lambda c: c.workspaces.get(ID),
    lambda c: c.workspaces.switch(ID),
    lambda c: c.members.list(ID),
    lambda c: c.members.invite(ID, "hedy@acme.example", "normal"),
    lambda c: c.members.remove(ID, ID),
    lambda c: c.members.update_role(ID, ID, "admin"),
    lambda c: c.device.request_code(client_id="difyops", device_label="laptop"),
    lambda c: c.device.poll(device_code="x" * 16, client_id="difyops"),
    lambda c: c.device.lookup(CODE),
    lambda c: c.device.approve(CODE, cookies={"session": "s"}, csrf_token="t"),
    lambda c: c.device.deny(CODE, cookies={"session": "s"}, csrf_token="t"),
]


def spec_endpoints() -> set[tuple[str, str]]:
    if not SPEC_FILE.is_file():
        pytest.skip(f"spec not found at {SPEC_FILE} (it lives outside the repository)")
    found = set()
    for line in SPEC_FILE.read_text(encoding="utf-8").splitlines():
        match = ENDPOINT.match(line.strip())
        if match:
            found.add((match.group(1), match.group(2)))
    return found


def template_of(path: str, templates: set[str]) -> str | None:
    # Literal segments first: `/account/sessions/self` is its own endpoint, not an id.
    for template in sorted(templates, key=lambda t: (t.count("{"), t)):
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            return template
    return None


def test_every_spec_endpoint_is_called_by_a_client_method() -> None:
    spec = spec_endpoints()
    recorded: list[httpx.Request] = []

    def not_found(request: httpx.Request) -> httpx.Response:
        recorded.append(request)
        return httpx.Response(404, json={"status": 404, "code": "not_found", "message": "x"})

    client = DifyClient(
        "https://dify.test",
        token=TOKEN,
        transport=httpx.MockTransport(not_found),
        clock=FakeClock(),
        retry=RetryPolicy(max_retries=0, jitter=0.0),
        generation="s2",
    )
    with client:
        for call in CALLS:
            try:
                result = call(client)
                if hasattr(result, "close"):
                    result.close()
            except DifyError:
                pass  # the request was made: that is all this test looks at
    templates = {path for _, path in spec}
    called = set()
    for request in recorded:
        path = request.url.path.removeprefix("/openapi/v1")
        template = template_of(path, templates)
        assert template is not None, f"{request.method} {path} is not in the spec"
        called.add((request.method, template))
    assert len(spec) == 31
    assert called == spec
