"""Dify's S3 release ops over real HTTP: publish, versions, restore, release check.

Shapes and rules as in Dify's `api/controllers/openapi/app_workflow.py` and
`app_release.py`; the emulator's simplifications are listed in `emulator/backend/release.py`.
"""

from __future__ import annotations

import pytest

from dify_client import DifyClient, NotFoundError
from dify_client._errors import APIStatusError, UnsupportedOperationError
from tests.support.emulator import DEMO, EmulatorHandle
from tests.support.runs import DIGEST, TICKET, TRIAGE

S3 = pytest.mark.generations("s3")


def _renamed_output_draft(dify: DifyClient, app_id: str) -> None:
    """Overwrite the draft with one whose end node names its output `verdict`."""
    text = dify.dsl.export(app_id)
    assert "variable: classification" in text
    edited = text.replace("variable: classification", "variable: verdict")
    imported = dify.dsl.import_(DEMO.ACME_DEV, yaml_content=edited, app_id=app_id)
    assert imported.is_completed


@S3
def test_publish_makes_a_new_current_version_that_the_next_run_uses(dify: DifyClient) -> None:
    before = dify.runs.run(TRIAGE, inputs=TICKET)
    assert "classification" in before.outputs

    _renamed_output_draft(dify, TRIAGE)
    still = dify.runs.run(TRIAGE, inputs=TICKET)
    assert "classification" in still.outputs  # a draft edit is not live

    published = dify.releases.publish(TRIAGE, marked_name="v2", marked_comment="renamed output")
    after = dify.runs.run(TRIAGE, inputs=TICKET)

    assert "verdict" in after.outputs and "classification" not in after.outputs
    versions = dify.releases.versions(TRIAGE).data
    assert versions[0].id == published.version_id
    assert versions[0].current and versions[0].marked_name == "v2"
    assert versions[0].marked_comment == "renamed output"
    assert [v.current for v in versions].count(True) == 1


@S3
def test_restore_changes_the_draft_but_not_what_runs(dify: DifyClient) -> None:
    original = dify.releases.versions(TRIAGE).data[0]
    _renamed_output_draft(dify, TRIAGE)
    dify.releases.publish(TRIAGE, marked_name="v2")
    draft_before = dify.dsl.export(TRIAGE)

    restored = dify.releases.restore(TRIAGE, original.id)

    assert restored.result == "success" and len(restored.draft_hash) == 64
    assert dify.dsl.export(TRIAGE) != draft_before
    assert "variable: classification" in dify.dsl.export(TRIAGE)
    run = dify.runs.run(TRIAGE, inputs=TICKET)
    assert "verdict" in run.outputs  # the live version is still v2
    assert dify.releases.versions(TRIAGE).data[0].marked_name == "v2"

    # publishing the restored draft makes the old graph live again, as a new version
    again = dify.releases.publish(TRIAGE, marked_name="back to v1")
    assert "classification" in dify.runs.run(TRIAGE, inputs=TICKET).outputs
    newest = dify.releases.versions(TRIAGE).data[0]
    assert newest.id == again.version_id != original.id and newest.current


@S3
def test_versions_are_newest_first_paged_and_filter_named_ones(dify: DifyClient) -> None:
    ids = [dify.releases.publish(TRIAGE, marked_name=f"r{i}").version_id for i in range(3)]
    dify.releases.publish(TRIAGE)  # unnamed

    first = dify.releases.versions(TRIAGE, limit=2)
    assert first.has_more and len(first.data) == 2
    every = list(dify.releases.versions(TRIAGE, limit=2))
    assert [v.id for v in every][1:4] == ids[::-1]
    assert [v.current for v in every] == [True] + [False] * (len(every) - 1)
    assert len(every) == len(list(dify.releases.iter_versions(TRIAGE)))
    named = list(dify.releases.versions(TRIAGE, named_only=True))
    assert [v.marked_name for v in named][:3] == ["r2", "r1", "r0"]
    assert all(v.marked_name for v in named)


@S3
def test_restore_errors_are_difys(dify: DifyClient, emulator: EmulatorHandle) -> None:
    with pytest.raises(NotFoundError) as unknown:
        dify.releases.restore(TRIAGE, "00000000-0000-4000-8000-00000000dead")
    assert unknown.value.code == "version_not_found"
    with pytest.raises(NotFoundError) as malformed:
        dify.releases.restore(TRIAGE, "not-a-uuid")
    assert malformed.value.code == "version_not_found"

    draft_id = emulator.admin.app(TRIAGE)["draft_workflow_id"]
    with pytest.raises(APIStatusError) as draft:
        dify.releases.restore(TRIAGE, draft_id)
    assert draft.value.status == 400 and draft.value.code == "version_not_restorable"


@S3
def test_too_long_names_are_refused_before_any_request(
    dify: DifyClient, emulator: EmulatorHandle
) -> None:
    dify.apps.describe(TRIAGE)
    emulator.admin.reset_stats()
    with pytest.raises(ValueError, match="marked_name"):
        dify.releases.publish(TRIAGE, marked_name="x" * 21)
    with pytest.raises(ValueError, match="marked_comment"):
        dify.releases.publish(TRIAGE, marked_comment="x" * 101)
    assert not any("publish" in route for route in emulator.admin.stats())


@S3
def test_the_server_refuses_a_too_long_name_too(emulator: EmulatorHandle) -> None:
    with emulator.client(emulator.admin.token()) as raw:
        answer = raw.post(f"/apps/{TRIAGE}:publish", json={"marked_name": "x" * 21})
        versions = raw.get(f"/apps/{TRIAGE}/versions").json()["data"]
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_param"
    assert len(versions) == 1  # nothing was published


@S3
def test_release_check_reports_tested_only_after_a_passing_draft_test_of_this_draft(
    dify: DifyClient,
) -> None:
    _renamed_output_draft(dify, TRIAGE)
    check = dify.releases.check(TRIAGE)
    assert not check.ready
    tested = check.check("tested")
    assert tested is not None and not tested.passed
    assert check.changes.published and check.changes.nodes_changed
    assert [h.op for h in check.hints] == ["test.console_app.workflow"]

    dify.releases.publish(TRIAGE)
    dify.runs.run(TRIAGE, inputs=TICKET)  # a normal run of the same graph does not count
    published = dify.releases.check(TRIAGE)
    assert published.changes.nodes_changed == []
    still_untested = published.check("tested")
    assert not published.ready and still_untested is not None and not still_untested.passed

    dify.runs.test(TRIAGE, inputs=TICKET)  # Dify's rule: a debugging run of this draft
    after = dify.releases.check(TRIAGE)
    assert after.ready and after.state.service_api_enabled


@S3
def test_a_draft_test_of_an_older_draft_does_not_count(dify: DifyClient) -> None:
    dify.runs.test(TRIAGE, inputs=TICKET)
    assert dify.releases.check(TRIAGE).ready

    _renamed_output_draft(dify, TRIAGE)  # the draft moves on; the test ran the old one

    tested = dify.releases.check(TRIAGE).check("tested")
    assert tested is not None and not tested.passed


@S3
def test_release_ops_refuse_a_chat_app(dify: DifyClient, emulator: EmulatorHandle) -> None:
    from tests.support.runs import BUDDY

    with pytest.raises(APIStatusError) as caught:
        dify.releases.publish(BUDDY)
    assert caught.value.code == "app_mode_mismatch"


@S3
def test_an_unpublished_app_has_no_versions_until_published(dify: DifyClient) -> None:
    assert dify.releases.versions(DIGEST).data == []
    published = dify.releases.publish(DIGEST)
    assert [v.id for v in dify.releases.versions(DIGEST)] == [published.version_id]


@pytest.mark.generations("s2")
def test_an_s2_server_cannot_release(dify: DifyClient, emulator: EmulatorHandle) -> None:
    emulator.admin.reset_stats()
    for call in (
        lambda: dify.releases.publish(TRIAGE),
        lambda: dify.releases.versions(TRIAGE),
        lambda: dify.releases.restore(TRIAGE, "00000000-0000-4000-8000-00000000dead"),
        lambda: dify.releases.check(TRIAGE),
    ):
        with pytest.raises(UnsupportedOperationError):
            call()
    assert not any("publish" in route or "version" in route for route in emulator.admin.stats())
