"""Promotion on a server that can publish (Dify S3), over real HTTP against the emulator:
the verified draft goes live under the policy, and a failure leaves Prod as it was —
draft and live version."""

from __future__ import annotations

import pytest
import yaml

from dify_client import DifyClient
from flows.promote import run_apply, run_plan
from reconcile.promotion.plan import Action
from reconcile.promotion.result import Outcome
from tests.flows.backup_support import sign_in
from tests.flows.promote_support import DEV_HELPDESK, PROD_HELPDESK, change_dev, export, request
from tests.support.emulator import EmulatorHandle

pytestmark = pytest.mark.generations("s3")


@pytest.fixture(autouse=True)
def signed_in(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> str:
    return sign_in(emulator, monkeypatch)


@pytest.fixture
def dify(emulator: EmulatorHandle, signed_in: str) -> DifyClient:
    client = DifyClient(emulator.base_url, signed_in)
    return client


def live(dify: DifyClient, app_id: str) -> tuple[str | None, str]:
    """(live version id, its workflow as YAML) of an app. Only the workflow: an export of
    a version takes the app's name, description and dependencies from the app itself."""
    current = dify.releases.live_version(app_id)
    if current is None:
        return None, ""
    data = yaml.safe_load(dify.dsl.export(app_id, workflow_id=current))
    return current, yaml.safe_dump(data["workflow"], sort_keys=True)


def test_always_publishes_the_promoted_version_and_runs_use_it(
    emulator: EmulatorHandle, dify: DifyClient
) -> None:
    emulator.admin.publish(PROD_HELPDESK)
    before, _ = live(dify, PROD_HELPDESK)
    change_dev(emulator, DEV_HELPDESK, "Answer from the handbook")
    _, result = run_apply(request("Policy Helpdesk", publish="always"))
    [app] = result.apps
    assert app.outcome == Outcome.APPLIED, app.message
    assert app.published_version and app.published_version != before
    assert f"published as version {app.published_version}" in app.message
    now, text = live(dify, PROD_HELPDESK)
    assert now == app.published_version and "Answer from the handbook" in text
    named = next(v for v in dify.releases.iter_versions(PROD_HELPDESK) if v.current)
    assert named.marked_name.startswith("difyops ")


def test_if_tested_leaves_an_untested_draft_unpublished_and_says_so(
    emulator: EmulatorHandle, dify: DifyClient
) -> None:
    emulator.admin.publish(PROD_HELPDESK)
    before = live(dify, PROD_HELPDESK)
    change_dev(emulator, DEV_HELPDESK, "Answer from the handbook")
    _, result = run_apply(request("Policy Helpdesk"))  # the default policy: if-tested
    [app] = result.apps
    assert app.outcome == Outcome.APPLIED and app.published_version is None
    assert "not published" in app.message
    assert any("release check" in a for a in app.attention)
    assert live(dify, PROD_HELPDESK) == before  # nothing went live
    assert "Answer from the handbook" in export(emulator, PROD_HELPDESK)  # the draft has it


def test_a_failed_publish_leaves_draft_and_live_version_as_they_were(
    emulator: EmulatorHandle, dify: DifyClient
) -> None:
    emulator.admin.publish(PROD_HELPDESK)
    before_live = live(dify, PROD_HELPDESK)
    before_draft = export(emulator, PROD_HELPDESK, include_secret=True)
    change_dev(emulator, DEV_HELPDESK, "Answer from the handbook")
    emulator.admin.fault("server_error", route=emulator.route("publish.console_app"), times=1)
    _, result = run_apply(request("Policy Helpdesk", publish="always"))
    [app] = result.apps
    assert app.outcome == Outcome.ROLLED_BACK and not result.ok
    assert "publishing failed" in app.message
    assert live(dify, PROD_HELPDESK) == before_live
    assert export(emulator, PROD_HELPDESK, include_secret=True) == before_draft


def test_never_keeps_to_the_draft_as_on_s2(emulator: EmulatorHandle, dify: DifyClient) -> None:
    emulator.admin.publish(PROD_HELPDESK)
    before = live(dify, PROD_HELPDESK)
    change_dev(emulator, DEV_HELPDESK, "Answer from the handbook")
    _, result = run_apply(request("Policy Helpdesk", publish="never"))
    assert "publish it in Dify to go live" in result.apps[0].message
    assert live(dify, PROD_HELPDESK) == before
    assert emulator.route("publish.console_app") not in emulator.admin.stats()


def _break_dev(emulator: EmulatorHandle, app_id: str) -> None:
    """A console edit leaving a Dev app with an edge to a node that is not there."""
    data = yaml.safe_load(export(emulator, app_id, include_secret=True))
    graph = data["workflow"]["graph"]
    graph["edges"].append({"id": "dangling", "source": graph["nodes"][0]["id"], "target": "ghost"})
    emulator.admin.edit_app(app_id, yaml=yaml.safe_dump(data, allow_unicode=True))


def test_an_app_the_targets_dsl_check_refuses_is_blocked_in_the_plan_and_left_alone(
    emulator: EmulatorHandle,
) -> None:
    before = export(emulator, PROD_HELPDESK, include_secret=True)
    _break_dev(emulator, DEV_HELPDESK)
    plan = run_plan(request("Policy Helpdesk"))
    [app] = plan.apps
    assert app.action == Action.BLOCKED
    assert "DSL check refuses it" in (app.reason or "")
    assert "edge_endpoint_missing at edges.dangling.target" in (app.reason or "")

    emulator.admin.reset_stats()
    _, result = run_apply(request("Policy Helpdesk"))
    assert [a.outcome for a in result.apps] == [Outcome.BLOCKED]
    imports = [r for r in emulator.admin.stats() if "imports" in r and "imports:check" not in r]
    assert imports == []  # only checked, never imported
    assert export(emulator, PROD_HELPDESK, include_secret=True) == before
