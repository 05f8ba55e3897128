"""S3's DSL check (`imports:check`) over real HTTP, and the S3 import's refusal of the same
problems. Rules from Dify's `api/controllers/openapi/app_dsl.py` (AppDslCheckApi,
`_refuse_invalid_dsl`) and `api/services/workflow/graph_check.py`; what the emulator checks
of those is listed in `emulator/backend/graph_check.py`."""

from __future__ import annotations

import pytest
import yaml

from dify_client import DifyClient, NotFoundError
from dify_client._errors import APIStatusError, BadRequestError, UnsupportedOperationError
from tests.support.emulator import DEMO, EmulatorHandle
from tests.support.runs import BUDDY, HELPDESK, TRIAGE

S3 = pytest.mark.generations("s3")


def _broken(text: str) -> str:
    """The DSL with an edge to a node that is not there and an answer node in a workflow."""
    data = yaml.safe_load(text)
    graph = data["workflow"]["graph"]
    first = graph["nodes"][0]["id"]
    graph["edges"].append({"id": "dangling", "source": first, "target": "ghost"})
    graph["nodes"].append({"id": "reply", "data": {"type": "answer", "title": "Reply"}})
    return yaml.safe_dump(data, sort_keys=False)


def _app_count(dify: DifyClient) -> int:
    return len(list(dify.apps.iter_all(DEMO.ACME_DEV)))


@S3
def test_a_valid_dsl_checks_clean_and_nothing_is_written(dify: DifyClient) -> None:
    before = _app_count(dify)
    check = dify.dsl.check(DEMO.ACME_DEV, dify.dsl.export(TRIAGE))
    assert check.valid and check.issues == []
    assert _app_count(dify) == before


@S3
def test_every_problem_is_reported_with_its_node_and_field(dify: DifyClient) -> None:
    check = dify.dsl.check(DEMO.ACME_DEV, _broken(dify.dsl.export(TRIAGE)))

    assert not check.valid
    located = {(i.code, tuple(i.loc)) for i in check.errors}
    assert ("edge_endpoint_missing", ("edges", "dangling", "target")) in located
    assert ("mode_incompatible", ("nodes", "reply", "data", "type")) in located
    assert all(i.severity == "error" for i in check.issues)
    assert "ghost" in next(i for i in check.issues if i.code == "edge_endpoint_missing").message


@S3
def test_app_id_checks_against_the_overwritten_apps_mode(dify: DifyClient) -> None:
    workflow_dsl = dify.dsl.export(TRIAGE)  # has an end node: refused in advanced-chat
    assert dify.dsl.check(DEMO.ACME_DEV, workflow_dsl).valid
    check = dify.dsl.check(DEMO.ACME_DEV, workflow_dsl, app_id=HELPDESK)
    assert any(i.code == "mode_incompatible" and "end" in i.message for i in check.errors)


@S3
def test_what_cannot_be_checked_is_a_request_error(dify: DifyClient) -> None:
    with pytest.raises(BadRequestError):
        dify.dsl.check(DEMO.ACME_DEV, "app: [unclosed")
    with pytest.raises(BadRequestError, match="workflow or advanced-chat"):
        dify.dsl.check(DEMO.ACME_DEV, dify.dsl.export(BUDDY))  # a chat app has no graph
    with pytest.raises(NotFoundError):
        dify.dsl.check(
            DEMO.ACME_DEV, dify.dsl.export(TRIAGE), app_id="00000000-0000-4000-8000-00000000dead"
        )


@S3
def test_the_s3_import_refuses_a_graph_the_check_rejects(dify: DifyClient) -> None:
    before = _app_count(dify)
    broken = _broken(dify.dsl.export(TRIAGE))
    with pytest.raises(APIStatusError) as caught:
        dify.dsl.import_(DEMO.ACME_DEV, yaml_content=broken)
    assert caught.value.status == 400 and caught.value.code == "dsl_invalid"
    assert {d.type for d in caught.value.details} >= {"edge_endpoint_missing", "mode_incompatible"}
    assert _app_count(dify) == before


@S3
def test_the_release_check_lists_the_drafts_issues(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    emulator.admin.edit_app(TRIAGE, yaml=_broken(dify.dsl.export(TRIAGE)))  # a console edit
    check = dify.releases.check(TRIAGE)
    assert not check.ready
    assert not check.check("draft_valid").passed
    assert {i.code for i in check.issues} >= {"edge_endpoint_missing", "mode_incompatible"}


@pytest.mark.generations("s2")
def test_an_s2_server_has_no_check_and_imports_the_graph_as_it_is(dify: DifyClient) -> None:
    broken = _broken(dify.dsl.export(TRIAGE))
    with pytest.raises(UnsupportedOperationError):
        dify.dsl.check(DEMO.ACME_DEV, broken)
    assert dify.dsl.import_(DEMO.ACME_DEV, yaml_content=broken).is_completed
