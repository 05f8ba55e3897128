"""The automation files under automations/ are what `prefect automation create --from-file`
accepts (it validates each with AutomationCore), and they say what the README promises."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

AUTOMATIONS = Path(__file__).resolve().parents[1] / "automations"
FILES = sorted(AUTOMATIONS.glob("*.yaml"))


def test_the_project_ships_an_automation_file():
    assert [f.name for f in FILES] == ["notify-on-failure.yaml"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_file_validates_as_an_automation_without_ignored_keys(path: Path):
    data = yaml.safe_load(path.read_text())
    automation = AutomationCore.model_validate(data)
    # AutomationCore ignores unknown keys: a misspelt one would silently do nothing.
    assert set(data) <= set(AutomationCore.model_fields)
    assert set(data["trigger"]) <= set(EventTrigger.model_fields)
    assert automation.enabled


def test_failed_and_crashed_runs_of_difyops_deployments_send_a_notification():
    automation = AutomationCore.model_validate(
        yaml.safe_load((AUTOMATIONS / "notify-on-failure.yaml").read_text())
    )
    trigger = automation.trigger
    assert isinstance(trigger, EventTrigger)
    assert trigger.posture == Posture.Reactive and trigger.threshold == 1
    assert trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    related = trigger.match_related
    assert not isinstance(related, list)
    assert related.model_dump() == {
        "prefect.resource.role": "tag",
        "prefect.resource.id": "prefect.tag.difyops",
    }
    [action] = automation.actions
    assert isinstance(action, SendNotification)
    assert "{{ flow_run.state.message }}" in action.body


def test_every_deployment_carries_the_tag_the_automation_filters_on():
    config = yaml.safe_load((AUTOMATIONS.parent / "prefect.yaml").read_text())
    assert all("difyops" in d["tags"] for d in config["deployments"])
