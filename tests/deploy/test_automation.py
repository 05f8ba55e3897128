"""The notification automation shipped in automations/, created on a real server with the
command the README gives, and read back."""

from __future__ import annotations

from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import EventTrigger

from tests.deploy.conftest import Deployed

NAME = "difyops-notify-on-failure"


def test_prefect_automation_create_from_file_makes_the_failure_notification(
    deployed: Deployed,
):
    server = deployed.server
    path = deployed.project / "automations" / "notify-on-failure.yaml"
    result = server.cli("automation", "create", "--from-file", str(path))
    assert f"Created automation '{NAME}'" in result.stdout

    [automation] = server._call("read_automations_by_name", NAME)
    assert automation.enabled
    assert isinstance(automation.trigger, EventTrigger)
    assert automation.trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    assert "prefect.tag.difyops" in str(automation.trigger.match_related)
    [action] = automation.actions
    assert isinstance(action, SendNotification)
    listed = server.cli("automation", "ls").stdout
    assert NAME in listed
