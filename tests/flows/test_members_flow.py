"""The members sync as the CLI runs it (plain calls) and as Prefect runs it (one flow)."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from flows._calling import JobFailed
from flows.sync_members import (
    APPLY_ARTIFACT_KEY,
    PLAN_ARTIFACT_KEY,
    run_members_apply,
    run_members_plan,
    sync_members_flow,
)
from jobs import MembersSyncSettings, Source
from reconcile.members.run import MembersPlanSet
from tasks.members.steps import apply_members_sync
from tests.support.emulator import DEMO, EmulatorHandle

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "members.yml")


def sign_in(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIFY_SERVER", emulator.base_url)
    monkeypatch.setenv("DIFY_TOKEN", emulator.admin.token("ada@acme.example"))


def roles(emulator: EmulatorHandle) -> dict[str, str]:
    with emulator.client(emulator.admin.token()) as http:
        rows = http.get(f"/workspaces/{DEMO.ACME_DEV}/members", params={"limit": 200}).json()
    return {m["email"]: m["role"] for m in rows["data"]}


def test_the_plain_calls_apply_the_example_and_a_second_plan_is_empty(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(emulator, monkeypatch)
    settings = MembersSyncSettings(manifest=EXAMPLE)
    reviewed = run_members_plan(settings)
    assert reviewed.has_changes  # planning changes nothing
    assert roles(emulator)["katherine@acme.example"] == "normal"
    first = run_members_apply(settings, reviewed=reviewed)
    assert first.ok and first.applied is not None and not first.already_applied
    assert first.applied.summary() == "3 done, 0 already done, 0 failed"
    assert list(first.applied.invite_urls) == ["hedy@acme.example"]
    second = run_members_apply(settings)
    assert not second.plan.has_changes and second.applied is None
    assert not second.already_applied  # nothing was reviewed
    assert roles(emulator)["katherine@acme.example"] == "admin"
    replayed = run_members_apply(settings, reviewed=reviewed)
    assert replayed.already_applied and replayed.applied is None and replayed.ok


def test_the_flow_publishes_the_plan_then_applies_without_leaking_invite_links(
    prefect_harness,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogWorker

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="prefect")  # the suite runs Prefect at WARNING
    sign_in(emulator, monkeypatch)
    planned = asyncio.run(sync_members_flow(manifest=EXAMPLE, rate_limit=None))
    assert planned["applied"] is None and roles(emulator)["grace@acme.example"] == "admin"
    applied = asyncio.run(sync_members_flow(manifest=EXAMPLE, apply=True, rate_limit=None))
    outcomes = applied["applied"]["results"][0]["outcomes"]
    assert [o["status"] for o in outcomes] == ["done", "done", "done"]
    assert roles(emulator)["grace@acme.example"] == "normal"

    APILogWorker.drain_all(timeout=5)
    with get_client(sync_client=True) as client:
        artifacts = {a.key: str(a.data) for a in client.read_latest_artifacts()}
        logs = "\n".join(log.message for log in client.read_logs())
    assert (
        "| role change | katherine@acme.example | normal → admin |" in artifacts[PLAN_ARTIFACT_KEY]
    )
    assert "| done | invite | hedy@acme.example | → normal |" in artifacts[APPLY_ARTIFACT_KEY]
    captured = capsys.readouterr()
    everything = "\n".join(
        [
            *artifacts.values(),
            logs,
            str(planned),
            str(applied),
            caplog.text,
            captured.out,
            captured.err,
        ]
    )
    assert "sync-members" in logs or "Finished in state" in logs  # the logs were read
    assert "/activate?" not in everything and "token=" not in everything


def test_a_seat_limit_reached_mid_flow_reports_dify_words_and_no_invite_link(
    prefect_harness,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogWorker

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="prefect")
    sign_in(emulator, monkeypatch)
    emulator.admin.settings(member_limit=8)  # 7 members now: room for one more
    manifest = tmp_path / "members.yml"
    manifest.write_text(
        Path(EXAMPLE).read_text() + "      - email: ida@acme.example\n        role: admin\n"
    )
    with pytest.raises(JobFailed, match=r"some member changes failed \(ida@acme.example\)"):
        asyncio.run(sync_members_flow(manifest=str(manifest), apply=True, rate_limit=None))
    assert roles(emulator)["hedy@acme.example"] == "normal"  # the others were made

    APILogWorker.drain_all(timeout=5)
    with get_client(sync_client=True) as client:
        artifacts = {a.key: str(a.data) for a in client.read_latest_artifacts()}
        logs = "\n".join(log.message for log in client.read_logs())
    applied = artifacts[APPLY_ARTIFACT_KEY]
    assert "**3 done, 0 already done, 1 failed**" in applied
    assert "| done | invite | hedy@acme.example | → normal |" in applied
    assert (
        "| failed | invite | ida@acme.example | → admin | member_limit_exceeded: Subscription "
        "member limit reached. — Upgrade your plan"
    ) in applied
    captured = capsys.readouterr()
    everything = "\n".join([*artifacts.values(), logs, caplog.text, captured.out, captured.err])
    assert "/activate?" not in everything and "token=" not in everything


def test_a_workspace_that_cannot_be_applied_does_not_stop_the_others(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(emulator, monkeypatch)
    plan_set = run_members_plan(MembersSyncSettings(manifest=EXAMPLE))
    (plan,) = plan_set.plans
    elsewhere = plan.model_copy(
        update={"workspace_name": "Acme Dev (other host)", "base_url": "https://dify.other.example"}
    )
    two = MembersPlanSet(manifest=EXAMPLE, plans=[elsewhere, plan]).sealed()
    applied = apply_members_sync.fn(two, Source(), None)
    refused, made = applied.results
    assert {(o.status, o.message, o.hint) for o in refused.outcomes} == {
        (
            "failed",
            "the plan for 'Acme Dev (other host)' was made on https://dify.other.example, but "
            f"the connection is to {emulator.base_url}",
            "Apply with the profile or DIFY_SERVER the plan was made with.",
        )
    }
    assert len(refused.outcomes) == 3
    assert [(o.email, o.status) for o in made.outcomes] == [
        ("katherine@acme.example", "done"),
        ("grace@acme.example", "done"),
        ("hedy@acme.example", "done"),
    ]
    assert list(applied.invite_urls) == ["hedy@acme.example"]
    assert roles(emulator)["katherine@acme.example"] == "admin"


def test_the_deployment_passes_parameters_the_flow_takes() -> None:
    import inspect

    import yaml

    config = yaml.safe_load((Path(EXAMPLE).parents[1] / "prefect.yaml").read_text())
    (deployment,) = [d for d in config["deployments"] if d["name"] == "members-sync"]
    assert deployment["entrypoint"] == "flows/sync_members.py:sync_members_flow"
    accepted = set(inspect.signature(sync_members_flow.fn).parameters)
    assert set(deployment["parameters"]) <= accepted
    assert deployment["parameters"]["apply"] is False
    described = " ".join(deployment["description"].split())
    assert "apply=true and plan_checksum set to the checksum shown in that plan's artifact" in (
        described
    )
    assert "invite_urls_file (a path on the worker, written mode 0600)" in described
    assert deployment["schedules"][0]["timezone"]


def test_a_refused_plan_fails_the_run_with_a_hint_in_prefects_words(
    prefect_harness, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sign_in(emulator, monkeypatch)
    before = roles(emulator)
    manifest = tmp_path / "members.yml"
    # Demoting the owner: a guard refuses it, naming the override that would allow it.
    example = Path(EXAMPLE).read_text()
    demoted = example.replace(
        "ada@acme.example\n        role: owner", "ada@acme.example\n        role: admin"
    )
    assert demoted != example
    manifest.write_text(demoted)
    with pytest.raises(JobFailed) as caught:
        asyncio.run(sync_members_flow(manifest=str(manifest), apply=True, rate_limit=None))
    text = str(caught.value)
    assert "ada@acme.example is the workspace owner" in text
    assert "the flow parameter skip_untouchable=true" in text
    assert "--" not in text and "difyops " not in text
    assert roles(emulator) == before  # refused before anything changed


def _plan_checksum(result: dict[str, Any]) -> str:
    checksum: str = result["plan"]["checksum"]
    return checksum


def test_a_reviewed_checksum_is_applied_and_replaying_it_does_nothing(
    prefect_harness, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(emulator, monkeypatch)
    reviewed = asyncio.run(sync_members_flow(manifest=EXAMPLE, rate_limit=None))
    assert roles(emulator)["katherine@acme.example"] == "normal"  # planning changes nothing
    checksum = _plan_checksum(reviewed)
    applied = asyncio.run(
        sync_members_flow(manifest=EXAMPLE, apply=True, plan_checksum=checksum, rate_limit=None)
    )
    assert applied["applied"] is not None and not applied["already_applied"]
    assert roles(emulator)["katherine@acme.example"] == "admin"
    emulator.admin.reset_stats()
    replayed = asyncio.run(
        sync_members_flow(manifest=EXAMPLE, apply=True, plan_checksum=checksum, rate_limit=None)
    )
    assert replayed["already_applied"] and replayed["applied"] is None
    assert not any(k.startswith(("POST", "PUT", "DELETE")) for k in emulator.admin.stats())


def test_the_checksum_of_an_older_plan_is_stale_once_the_live_members_moved(
    prefect_harness, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(emulator, monkeypatch)
    reviewed = asyncio.run(sync_members_flow(manifest=EXAMPLE, rate_limit=None))
    # Someone adds a member in the console after the review.
    emulator.admin.add_member(DEMO.ACME_DEV, "margaret@partner.example", "normal")
    before = roles(emulator)
    with pytest.raises(JobFailed) as caught:
        asyncio.run(
            sync_members_flow(
                manifest=EXAMPLE,
                apply=True,
                plan_checksum=_plan_checksum(reviewed),
                rate_limit=None,
            )
        )
    message, hint = str(caught.value).split("\n")
    assert message.startswith(
        "the plan is stale: the live members or the manifest changed since it was made at "
    )
    assert " UTC (checksum " in message and "'Acme Dev' 1 to invite, 2 role change(s)" in message
    assert hint == "Plan again, review the new plan, and apply that one."
    assert roles(emulator) == before  # refused before anything changed


def test_a_made_up_checksum_does_not_match_any_plan(
    prefect_harness, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(emulator, monkeypatch)
    before = roles(emulator)
    made_up = "sha256:" + "0123456789abcdef" * 4
    with pytest.raises(JobFailed) as caught:
        asyncio.run(
            sync_members_flow(manifest=EXAMPLE, apply=True, plan_checksum=made_up, rate_limit=None)
        )
    message, hint = str(caught.value).split("\n")
    assert message == (
        "plan_checksum sha256:0123456789ab… does not match any plan made for these inputs; "
        "copy the checksum from the latest dify-members-plan artifact"
    )
    assert "stale" not in message and "--" not in hint
    assert roles(emulator) == before


def test_invitation_links_land_in_the_0600_file_and_nowhere_else(
    prefect_harness,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="prefect")
    sign_in(emulator, monkeypatch)
    links = tmp_path / "invite-links.tsv"
    state = asyncio.run(
        sync_members_flow(
            manifest=EXAMPLE,
            apply=True,
            invite_urls_file=str(links),
            rate_limit=None,
            return_state=True,
        )
    )
    applied = state.result()
    assert links.stat().st_mode & 0o777 == 0o600
    (line,) = links.read_text().splitlines()
    email, url = line.split("\t")
    assert email == "hedy@acme.example" and "/activate?" in url
    assert applied["applied"]["invite_links_saved"] == 1

    APILogWorker.drain_all(timeout=5)
    with get_client(sync_client=True) as client:
        artifacts = [str(a.data) for a in client.read_latest_artifacts()]
        # This run's logs only: the session's server holds every earlier test's too.
        only_this_run = LogFilter(
            flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id])
        )
        logs = "\n".join(log.message for log in client.read_logs(log_filter=only_this_run))
    assert f"1 invitation link(s) written to {links}." in logs
    assert "Plan for 'Acme Dev': 1 to invite, 2 role change(s), 0 to remove;" in logs
    assert "Applied to 'Acme Dev': 3 done, 0 already done, 0 failed." in logs
    captured = capsys.readouterr()
    everything = "\n".join(
        [*artifacts, logs, str(applied), caplog.text, captured.out, captured.err]
    )
    assert url not in everything and "/activate?" not in everything


def test_empty_parameters_are_refused_before_any_call_to_dify(
    prefect_harness, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(emulator, monkeypatch)
    emulator.admin.reset_stats()
    with pytest.raises(Exception, match="manifest") as by_schema:
        asyncio.run(sync_members_flow(manifest="", apply=True, rate_limit=None))
    assert "at least 1 character" in str(by_schema.value)
    unchecked = sync_members_flow.with_options(validate_parameters=False)
    with pytest.raises(JobFailed) as by_flow:
        asyncio.run(unchecked(manifest=EXAMPLE, server="", token_block="", apply=True))
    assert str(by_flow.value) == (
        "empty flow parameter(s): server, token_block\nGive each a value, or leave it unset."
    )
    assert emulator.admin.stats() == {}


def test_limits_on_numbers_are_in_the_parameter_schema() -> None:
    from prefect.utilities.callables import parameter_schema

    schema = parameter_schema(sync_members_flow.fn).model_dump()
    properties = schema["properties"]
    assert '"minLength": 1' in json.dumps(properties["manifest"])
    assert '"minimum": 1' in json.dumps(properties["rate_limit"])
    ratio = json.dumps(properties["max_removal_ratio"])
    assert '"minimum": 0' in ratio and '"maximum": 1' in ratio
    assert '"minLength": 1' in json.dumps(properties["plan_checksum"])


def _many_invites(tmp_path: Path, count: int) -> Path:
    rows = "".join(
        f"      - email: new{n:04d}@acme.example\n        role: normal\n" for n in range(count)
    )
    manifest = tmp_path / "many.yml"
    manifest.write_text(f"version: 1\nworkspaces:\n  - name: Acme Dev\n    members:\n{rows}")
    return manifest


def test_more_invites_than_one_run_may_send_fail_the_run_naming_the_parameter(
    prefect_harness, emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sign_in(emulator, monkeypatch)
    before = roles(emulator)
    manifest = _many_invites(tmp_path, 501)
    with pytest.raises(JobFailed) as caught:
        asyncio.run(sync_members_flow(manifest=str(manifest), apply=True, rate_limit=None))
    text = " ".join(str(caught.value).split())
    assert "the plan invites 501 people, more than the 500 one run may invite" in text
    assert "the flow parameter max_invites=501" in text
    assert "--" not in text and "difyops " not in text
    assert roles(emulator) == before
    planned = run_members_plan(
        MembersSyncSettings(
            manifest=str(manifest), overrides={"max_invites": 501, "skip_untouchable": True}
        ),
        Source(),
    )
    assert sum(plan.count("invite") for plan in planned.plans) == 501


def test_the_invite_cap_is_in_the_parameter_schema() -> None:
    from prefect.utilities.callables import parameter_schema

    properties = parameter_schema(sync_members_flow.fn).model_dump()["properties"]
    assert '"minimum": 0' in json.dumps(properties["max_invites"])
