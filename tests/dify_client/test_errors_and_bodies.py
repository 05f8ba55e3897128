"""Every body shape the contract allows on an error, and responses that break it."""

from __future__ import annotations

import httpx
import pytest

from dify_client import (
    APIStatusError,
    AuthenticationError,
    ImportFailedError,
    NotFoundError,
    OpenAPIDisabledError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ResponseValidationError,
    ServerError,
    UnprocessableEntityError,
    UnsupportedMediaTypeError,
)
from tests.dify_client.conftest import error_body


def test_error_body_fields_reach_the_exception(make_client) -> None:
    body = error_body(
        422,
        "invalid_param",
        "Request validation failed",
        details=[{"type": "int_parsing", "loc": ["page"], "msg": "not an int"}],
        hint="check the page number",
    )
    client, _ = make_client(body)
    with pytest.raises(UnprocessableEntityError) as raised:
        client.sessions.list()
    error = raised.value
    assert (error.status, error.code, error.message) == (
        422,
        "invalid_param",
        "Request validation failed",
    )
    assert error.hint == "check the page number"
    assert error.details[0].loc == ["page"]
    assert str(error) == "422 invalid_param: Request validation failed (GET /account/sessions)"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (413, PayloadTooLargeError),
        (415, UnsupportedMediaTypeError),
        (500, ServerError),
        (502, ServerError),
    ],
)
def test_each_status_has_its_class(make_client, status: int, cls: type) -> None:
    client, _ = make_client(error_body(status, "c", "m"), max_retries=0)
    with pytest.raises(cls):
        client.account.get()


def test_an_unknown_future_code_is_kept_as_data(make_client) -> None:
    client, _ = make_client(error_body(403, "shiny_new_reason", "nope"))
    with pytest.raises(PermissionDeniedError) as raised:
        client.account.get()
    assert raised.value.code == "shiny_new_reason"


def test_bare_string_404_of_export(make_client) -> None:
    client, _ = make_client(
        httpx.Response(404, json="Missing draft workflow configuration, please check.")
    )
    with pytest.raises(NotFoundError) as raised:
        client.dsl.export("app-1")
    assert raised.value.code == "not_found"
    assert raised.value.message == "Missing draft workflow configuration, please check."


def test_html_error_page_is_reported_readably(make_client) -> None:
    client, _ = make_client(httpx.Response(502, text="<html>Bad Gateway</html>"), max_retries=0)
    with pytest.raises(ServerError) as raised:
        client.account.get()
    assert "Bad Gateway" in raised.value.message


def test_malformed_json_on_success_is_a_validation_error(make_client) -> None:
    client, _ = make_client(httpx.Response(200, text="{not json"))
    with pytest.raises(ResponseValidationError, match="expected JSON"):
        client.account.get()


def test_wrong_shape_on_success_is_a_validation_error(make_client) -> None:
    client, _ = make_client(httpx.Response(200, json={"unexpected": True}))
    with pytest.raises(ResponseValidationError, match="unexpected response shape"):
        client.account.get()


def test_unknown_response_fields_are_tolerated(make_client) -> None:
    client, _ = make_client(
        httpx.Response(200, json={"subject_type": "account", "brand_new_field": [1, 2]})
    )
    assert client.account.get().subject_type == "account"


def test_kill_switch_503_is_named(make_client) -> None:
    client, _ = make_client(error_body(503, "unknown", "Internal Server Error"), max_retries=0)
    with pytest.raises(OpenAPIDisabledError) as raised:
        client.account.get()
    assert "ENABLE_OAUTH_BEARER" in (raised.value.hint or "")


FAILED_IMPORT = {
    "id": "imp-1",
    "status": "failed",
    "app_id": None,
    "app_mode": None,
    "current_dsl_version": "0.6.0",
    "imported_dsl_version": "",
    "error": "Missing app data in YAML content",
}


def test_a_failed_import_is_a_result_by_default(make_client) -> None:
    client, _ = make_client(httpx.Response(400, json=FAILED_IMPORT))
    result = client.dsl.import_("ws", yaml_content="kind: app")
    assert result.is_failed
    assert result.error == "Missing app data in YAML content"


def test_a_failed_import_raises_when_asked(make_client) -> None:
    client, _ = make_client(httpx.Response(400, json=FAILED_IMPORT))
    with pytest.raises(ImportFailedError, match="Missing app data") as raised:
        client.dsl.import_("ws", yaml_content="kind: app", raise_on_failure=True)
    assert raised.value.result.id == "imp-1"


def test_a_400_error_body_on_import_is_an_error_not_a_result(make_client) -> None:
    client, _ = make_client(error_body(400, "bad_request", "bad"))
    with pytest.raises(APIStatusError):
        client.dsl.import_("ws", yaml_content="kind: app")


def test_import_needs_exactly_one_source(make_client) -> None:
    client, recorder = make_client(httpx.Response(200, json={}))
    with pytest.raises(ValueError, match="exactly one"):
        client.dsl.import_("ws")
    with pytest.raises(ValueError, match="exactly one"):
        client.dsl.import_("ws", yaml_content="a", yaml_url="https://x")
    assert recorder.requests == []


def test_empty_ids_are_refused_before_any_request(make_client) -> None:
    client, recorder = make_client(httpx.Response(200, json={}))
    with pytest.raises(ValueError, match="app_id"):
        client.dsl.export("")
    with pytest.raises(ValueError, match="workspace_id"):
        client.members.list(" ")
    assert recorder.requests == []


def test_path_segments_are_escaped(make_client) -> None:
    client, recorder = make_client(httpx.Response(200, json={"data": "x"}))
    client.dsl.export("a/b?c")
    assert recorder.requests[0].url.raw_path.startswith(b"/openapi/v1/apps/a%2Fb%3Fc/export")
