"""The smoke-check flow and the promote flow's smoke gate inside Prefect: cases run
through the flow's typed steps, the Markdown artifact lists every case and says which
version ran, and a failed case fails the run.

The runs are the emulator's, end to end over real HTTP: Prod's Policy Helpdesk is
published first (a smoke run exercises the published version) and its LLM node's reply
is scripted through the operator API.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from flows._calling import JobFailed
from flows.promote import promote_flow
from flows.smoke import ARTIFACT_KEY, run_smoke, smoke_check_flow
from jobs import SmokeRequest, WorkspaceSide
from reconcile.smoke.cases import SmokeCase
from tests.flows.backup_support import sign_in
from tests.flows.promote_support import DEV_HELPDESK, PROD_HELPDESK, change_dev, export
from tests.support.emulator import EmulatorHandle

PROD = WorkspaceSide(workspace="Acme Prod")
CASES = {"Policy Helpdesk": [SmokeCase(name="greets", query="Hello", answer={"contains": "Hi"})]}


@pytest.fixture(autouse=True)
def signed_in(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> str:
    return sign_in(emulator, monkeypatch)


def reply(emulator: EmulatorHandle, text: str) -> None:
    """Prod's Policy Helpdesk answers `text` to "Hello", its LLM node taking 0.2 s."""
    emulator.admin.script(
        app_id=PROD_HELPDESK,
        node="Answer from policy",
        prompt_contains="Hello",
        text=text,
        delay_s=0.2,
    )


@pytest.fixture
def published(emulator: EmulatorHandle) -> EmulatorHandle:
    emulator.admin.publish(PROD_HELPDESK)
    reply(emulator, "Hi there")
    emulator.admin.reset_stats()
    return emulator


def test_run_smoke_resolves_apps_by_name_and_runs_their_cases(
    published: EmulatorHandle,
) -> None:
    result = run_smoke(SmokeRequest(target=PROD, cases=CASES, rate_limit=None))
    assert (
        result.passed and published.admin.stats()[published.route("run.app", "advanced-chat")] == 1
    )
    assert result.workspace.startswith("Acme Prod")
    assert result.summary() == "1 of 1 smoke cases passed in 1 app(s)"


def test_the_flow_publishes_the_cases_and_fails_when_one_fails(
    prefect_harness, published: EmulatorHandle, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client

    path = tmp_path / "smoke.yml"
    path.write_text(
        "version: 1\nsmoke:\n  Policy Helpdesk:\n"
        "    - name: greets\n      query: Hello\n      answer: Hi there\n"
    )
    done = asyncio.run(smoke_check_flow(target=PROD, smoke_file=str(path), rate_limit=None))
    assert done["summary"] == "1 of 1 smoke cases passed in 1 app(s)"
    with get_client(sync_client=True) as client:
        artifacts = {a.key: a for a in client.read_latest_artifacts()}
    markdown = str(artifacts[ARTIFACT_KEY].data)
    assert "## Policy Helpdesk: smoke 1/1 passed" in markdown
    # The run's own elapsed time, to two places: at least the scripted node's 0.2 s.
    timed = re.search(r"\| greets \| passed \| (\d+\.\d\d) \|", markdown)
    assert timed and float(timed.group(1)) >= 0.2, markdown
    assert "ran against the published version" in markdown
    reply(published, "Go away")
    with pytest.raises(JobFailed, match="smoke check failed: 0 of 1"):
        asyncio.run(smoke_check_flow(target=PROD, cases=CASES, rate_limit=None))


def test_the_promote_flow_runs_smoke_inside_its_apply_and_rolls_back_on_failure(
    prefect_harness, published: EmulatorHandle, emulator: EmulatorHandle
) -> None:
    change_dev(emulator, DEV_HELPDESK, "Smoke through Prefect")
    before = export(emulator, PROD_HELPDESK)
    reply(emulator, "Go away")
    with pytest.raises(JobFailed, match="rolled back"):
        asyncio.run(
            promote_flow(
                source=WorkspaceSide(workspace="Acme Dev"),
                target=PROD,
                selection=None,
                confirm=True,
                rate_limit=None,
                smoke=CASES,
            )
        )
    assert export(emulator, PROD_HELPDESK) == before
    # S3 runs the cases as draft test runs of the import; S2 can only run the live version.
    ran = (
        emulator.route("run.app", "advanced-chat")
        if emulator.generation == "s2"
        else emulator.route("test.console_app.advanced_chat")
    )
    assert emulator.admin.stats()[ran] == 1
