"""`difyops apps versions|publish` against the emulator over real HTTP (S3 only ops)."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Invoke
from tests.support.emulator import EmulatorHandle
from tests.support.runs import TRIAGE


def versions(invoke: Invoke) -> list[dict[str, object]]:
    result = invoke("apps", "versions", TRIAGE, "--json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def live_version(invoke: Invoke) -> list[object]:
    return [v["id"] for v in versions(invoke) if v["current"]]


@pytest.mark.generations("s3")
def test_versions_mark_the_live_one_and_publish_refuses_an_untested_draft(
    invoke: Invoke, signed_in: str, emulator: EmulatorHandle
) -> None:
    listed = invoke("apps", "versions", TRIAGE)
    assert listed.exit_code == 0, listed.output
    before = live_version(invoke)
    assert len(before) == 1 and before[0] in listed.stdout

    # Nothing ran the draft yet, so Dify's release check says "not tested".
    refused = invoke("apps", "publish", TRIAGE, "--name", "v2")
    assert refused.exit_code == 3
    assert "not ready to publish" in refused.stderr and "tested" in refused.stderr
    assert live_version(invoke) == before  # nothing went live

    forced = invoke("apps", "publish", TRIAGE, "--name", "v2", "--comment", "retry", "--force")
    assert forced.exit_code == 0, forced.output
    assert "runs use it now" in forced.stdout + forced.stderr
    rows = versions(invoke)
    assert rows[0]["current"] and rows[0]["marked_name"] == "v2"
    assert live_version(invoke) != before


@pytest.mark.generations("s3")
def test_a_too_long_version_name_is_refused_before_anything_is_sent(
    invoke: Invoke, signed_in: str, emulator: EmulatorHandle
) -> None:
    before = live_version(invoke)
    result = invoke("apps", "publish", TRIAGE, "--name", "x" * 21, "--force")
    assert result.exit_code != 0
    assert "20" in result.stderr
    assert live_version(invoke) == before


@pytest.mark.generations("s2")
def test_an_s2_server_cannot_list_versions_and_says_what_to_do(
    invoke: Invoke, signed_in: str, emulator: EmulatorHandle
) -> None:
    result = invoke("apps", "versions", TRIAGE)
    assert result.exit_code == 1
    assert "S2 API" in result.stderr and "upgrade" in result.stderr
