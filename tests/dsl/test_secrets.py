"""Secrets: what is found, what is not, and redaction that keeps the structure."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl import REDACTED_PLACEHOLDER, DslDocument, SecretFinding, find_secrets, redact
from dsl.tree import copy_tree, get_path
from tests.dsl.scenarios import HTTP, node

# Built from parts so no scanner mistakes this file for a leak.
OPENAI_KEY = "sk-" + "proj-" + "Zx8Kq2Lm9Np4Rt7Vw1Yb3Cd5"
BEARER = "eyJhbGciOi" + "JIUzI1NiJ9.payload.sig0123"
DIFY_APP_KEY = "app-" + "A1b2C3d4E5f6G7h8I9j0K1l2"


def graph_with(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"app": {"mode": "workflow"}, "workflow": {"graph": {"nodes": list(nodes), "edges": []}}}


def http_node(**data: Any) -> dict[str, Any]:
    return {"id": "http", "data": {"type": "http-request", "title": "Call API", **data}}


def test_clean_fixture_has_no_secrets(workflow_doc: DslDocument) -> None:
    # The http-request node uses {{#env.notes_api_token#}}, and the secret variable is blank.
    assert find_secrets(workflow_doc) == []


def test_secret_environment_variable_with_a_value(workflow_data: dict[str, Any]) -> None:
    workflow_data["workflow"]["environment_variables"][0]["value"] = "hunter2-but-longer"
    (finding,) = find_secrets(workflow_data)
    assert finding.kind == "secret-environment-variable"
    assert finding.path == ("workflow", "environment_variables", 0, "value")
    assert "notes_api_token" in finding.description


def test_http_request_credentials(workflow_data: dict[str, Any]) -> None:
    data = node(workflow_data, HTTP)["data"]
    data["authorization"]["config"]["api_key"] = "k-9d8c7b6a5f4e"
    data["headers"] = f"Content-Type:application/json\nAuthorization: Bearer {BEARER}"
    data["url"] = "https://maps.example.test/v3/geo?city={{#1.city#}}&key=5b3ce3597851110001cf62"
    findings = find_secrets(workflow_data)
    assert [(f.kind, f.path[-1]) for f in findings] == [
        ("http-authorization", "api_key"),
        ("http-header", "headers"),
        ("url-credential", "url"),
    ]
    assert {f.node_title for f in findings} == {"Publish draft"}
    redacted = redact(workflow_data, findings)
    redacted_data = node(redacted, HTTP)["data"]
    assert redacted_data["authorization"]["config"]["api_key"] == REDACTED_PLACEHOLDER
    assert redacted_data["headers"] == (
        f"Content-Type:application/json\nAuthorization: Bearer {REDACTED_PLACEHOLDER}"
    )
    assert redacted_data["url"].endswith(f"&key={REDACTED_PLACEHOLDER}")


@pytest.mark.parametrize("name", ["api_key", "key", "access_token", "token", "client_secret"])
def test_a_credential_in_the_query_params_is_found_and_only_it_redacted(name: str) -> None:
    """`params` is the URL's query string as `name:value` lines: `api_key:…` there is the
    `?api_key=…` of the URL, and was committed in clear by backups (issue 14, leaks)."""
    key = "k" + "9d8c7b6a5f4e3d2c1b0a"
    params = f"per_page:{{{{#start.count#}}}}\n{name}:{key}\nq:release notes"
    data = graph_with(http_node(params=params))
    (finding,) = find_secrets(data)
    assert (finding.kind, finding.path[-1]) == ("http-param", "params")
    assert name in str(finding) and key not in str(finding)
    redacted = redact(data)["workflow"]["graph"]["nodes"][0]["data"]["params"]
    assert (
        redacted
        == f"per_page:{{{{#start.count#}}}}\n{name}:{REDACTED_PLACEHOLDER}\nq:release notes"
    )


def test_query_params_that_only_reference_variables_or_name_no_credential_are_kept() -> None:
    params = "api_key:{{#env.maps_key#}}\nquery:9d8c7b6a5f4e3d2c1b0a\nsort:created_desc"
    assert find_secrets(graph_with(http_node(params=params))) == []


def test_a_header_named_like_a_credential_is_a_credential_header() -> None:
    key = "k" + "9d8c7b6a5f4e3d2c1b0a"
    data = graph_with(http_node(headers=f"Accept:application/json\nX-Client-Secret: {key}"))
    (finding,) = find_secrets(data)
    assert finding.kind == "http-header" and "X-Client-Secret" in str(finding)


def test_a_credential_field_of_a_form_body_is_found_and_redacted() -> None:
    key = "k" + "9d8c7b6a5f4e3d2c1b0a"
    body = {
        "type": "x-www-form-urlencoded",
        "data": [
            {"key": "client_secret", "type": "text", "value": key},
            {"key": "grant_type", "type": "text", "value": "client_credentials"},
            {"key": "api_key", "type": "text", "value": "{{#env.api_key#}}"},
        ],
    }
    data = graph_with(http_node(body=body))
    (finding,) = find_secrets(data)
    assert finding.kind == "http-form-field"
    assert finding.path[-4:] == ("body", "data", 0, "value")
    fields = redact(data)["workflow"]["graph"]["nodes"][0]["data"]["body"]["data"]
    assert [f["value"] for f in fields] == [
        REDACTED_PLACEHOLDER,
        "client_credentials",
        "{{#env.api_key#}}",
    ]


@pytest.mark.parametrize(
    "value",
    [
        "{{#env.api_key#}}",
        "Bearer {{#env.token#}}",
        "YOUR_API_KEY_HERE",
        "sk-xxxxxxxxxxxxxxxxxxxxxxxx",
        "<your key>",
        "",
        REDACTED_PLACEHOLDER,
    ],
)
def test_references_and_placeholders_are_not_secrets(value: str) -> None:
    data = graph_with(
        http_node(
            authorization={"type": "api-key", "config": {"api_key": value}},
            headers=f"Authorization:{value}",
            url=f"https://api.example.test/?token={value}",
        )
    )
    assert find_secrets(data) == []


def test_tool_secret_input_parameters() -> None:
    tool = {
        "id": "t",
        "data": {
            "type": "tool",
            "title": "Run SQL",
            "paramSchemas": [
                {"name": "password", "type": "secret-input"},
                {"name": "host", "type": "string"},
            ],
            "tool_parameters": {
                "password": {"type": "mixed", "value": "123456"},
                "host": {"type": "mixed", "value": "db.internal"},
            },
            "tool_configurations": {"password": None},
        },
    }
    (finding,) = find_secrets(graph_with(tool))
    assert finding.kind == "tool-secret-parameter"
    assert finding.path[-3:] == ("tool_parameters", "password", "value")


def test_variable_valued_parameters_are_not_secrets() -> None:
    tool = {
        "id": "t",
        "data": {
            "type": "tool",
            "title": "T",
            "paramSchemas": [{"name": "api_key", "type": "secret-input"}],
            "tool_parameters": {"api_key": {"type": "variable", "value": ["start", "key"]}},
        },
    }
    assert find_secrets(graph_with(tool)) == []


def test_credential_named_parameters_and_known_token_shapes() -> None:
    agent = {
        "id": "a",
        "data": {
            "type": "agent",
            "title": "Agent",
            "agent_parameters": {
                "tools": {
                    "value": [{"settings": {"access_token": {"value": "ghs-thisIsTypedIn42"}}}]
                },
            },
        },
    }
    code = {
        "id": "c",
        "data": {
            "type": "code",
            "title": "Code",
            "code": f'client = OpenAI(api_key="{OPENAI_KEY}")\n',
        },
    }
    model_config = {"external_data_tools": [{"config": {"api_key": DIFY_APP_KEY}}]}
    data = {**graph_with(agent, code), "model_config": model_config}
    kinds = [(f.kind, f.node_title) for f in find_secrets(data)]
    assert kinds == [
        ("credential-parameter", None),
        ("credential-parameter", "Agent"),
        ("token", "Code"),
    ]
    redacted = redact(data)
    assert OPENAI_KEY not in json.dumps(redacted)
    assert get_path(redacted, ("workflow", "graph", "nodes", 1, "data", "code")) == (
        f'client = OpenAI(api_key="{REDACTED_PLACEHOLDER}")\n'
    )


def test_findings_never_show_the_secret() -> None:
    data = graph_with(http_node(headers=f"X-Api-Key: {OPENAI_KEY}"))
    (finding,) = find_secrets(data)
    assert OPENAI_KEY not in str(finding)
    assert OPENAI_KEY not in repr(finding)
    assert OPENAI_KEY not in json.dumps(finding.to_json())
    assert finding.span is not None


def test_redact_keeps_structure_and_does_not_mutate(workflow_data: dict[str, Any]) -> None:
    workflow_data["workflow"]["environment_variables"][0]["value"] = "a-real-secret-value"
    before = copy_tree(workflow_data)
    redacted = redact(workflow_data)
    assert workflow_data == before
    assert redacted["workflow"]["environment_variables"][0]["value"] == REDACTED_PLACEHOLDER
    redacted["workflow"]["environment_variables"][0]["value"] = "a-real-secret-value"
    assert redacted == before, "only the secret changed"
    assert find_secrets(redact(workflow_data)) == []


def test_stale_findings_are_skipped(workflow_data: dict[str, Any]) -> None:
    workflow_data["workflow"]["environment_variables"][0]["value"] = "a-real-secret-value"
    findings = find_secrets(workflow_data)
    other = copy_tree(workflow_data)
    other["workflow"]["environment_variables"] = []
    assert redact(other, findings) == other


_tokens = st.sampled_from([OPENAI_KEY, BEARER, DIFY_APP_KEY, "{{#env.k#}}", "plain words"])
_texts = st.builds(lambda a, b, c: f"{a} {b} {c}", st.text(max_size=8), _tokens, _tokens)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.lists(_texts, max_size=4), st.sampled_from(["headers", "url", "code"]))
def test_redact_is_idempotent(texts: list[str], key: str) -> None:
    nodes = [
        {"id": str(i), "data": {"type": "http-request", "title": "n", key: f"Authorization: {t}"}}
        for i, t in enumerate(texts)
    ]
    data = graph_with(*nodes)
    once = redact(data)
    assert redact(once) == once
    assert find_secrets(once) == []
    for secret in (OPENAI_KEY, DIFY_APP_KEY):
        assert secret not in json.dumps(once)


def test_overlapping_spans_redact_once() -> None:
    data = graph_with(http_node(headers="X-Api-Key: abcdefghijklmnop"))
    path = ("workflow", "graph", "nodes", 0, "data", "headers")
    findings = [
        SecretFinding(path, "token", "t", span=(11, 20)),
        SecretFinding(path, "token", "t", span=(15, 27)),
    ]
    assert get_path(redact(data, findings), path) == f"X-Api-Key: {REDACTED_PLACEHOLDER}"
