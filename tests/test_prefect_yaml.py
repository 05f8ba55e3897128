"""prefect.yaml deploys: every entrypoint resolves to a flow, parameters match the flow's
signature, schedules parse, and no credential is written inline."""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "prefect.yaml").read_text())
DEPLOYMENTS = {d["name"]: d for d in CONFIG["deployments"]}
# Started only by another flow, which passes the credentials with the work.
STARTED_BY_A_FLOW = {"backup-group"}


def load_flow(entrypoint: str):  # type: ignore[no-untyped-def]
    path, name = entrypoint.split(":")
    spec = importlib.util.spec_from_file_location(f"entry_{Path(path).stem}", ROOT / path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # As Prefect's own loader does: a dataclass with string annotations looks its module
    # up in sys.modules while the module body runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return getattr(module, name)


def test_the_expected_deployments_exist() -> None:
    assert {"backup-nightly", "members-sync", "promote", "smoke-check", "drift-check"} <= set(
        DEPLOYMENTS
    )


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_entrypoint_is_a_flow_and_parameters_fit_it(name: str) -> None:
    from prefect import Flow

    deployment = DEPLOYMENTS[name]
    flow = load_flow(deployment["entrypoint"])
    assert isinstance(flow, Flow)
    signature = inspect.signature(flow.fn)
    given = set(deployment.get("parameters") or {})
    assert given <= set(signature.parameters), given - set(signature.parameters)
    required = {
        p.name for p in signature.parameters.values() if p.default is inspect.Parameter.empty
    }
    assert required <= given, f"{name} lacks required parameters {required - given}"
    assert deployment["work_pool"]["name"]


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_schedules_parse(name: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule

    for schedule in DEPLOYMENTS[name].get("schedules") or []:
        CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])


def test_nightly_backup_and_daily_members_are_scheduled_promote_is_manual() -> None:
    assert DEPLOYMENTS["backup-nightly"]["schedules"][0]["cron"]
    assert DEPLOYMENTS["members-sync"]["parameters"]["apply"] is False
    assert not DEPLOYMENTS["promote"].get("schedules")
    assert DEPLOYMENTS["promote"]["parameters"]["confirm"] is False


def test_smoke_check_is_scheduled_but_off_until_switched_on() -> None:
    schedules = DEPLOYMENTS["smoke-check"]["schedules"]
    assert schedules and schedules[0]["cron"]
    assert all(schedule["active"] is False for schedule in schedules)
    assert DEPLOYMENTS["promote"]["parameters"]["on_smoke_failure"] == "rollback"


def test_drift_check_compares_prod_with_the_backup_on_a_schedule_that_starts_off() -> None:
    drift = DEPLOYMENTS["drift-check"]
    assert drift["parameters"]["live"]["workspace"] == "{{ prefect.variables.dify_prod_workspace }}"
    desired = drift["parameters"]["desired"]
    assert desired["kind"] == "git"
    assert desired["repo"] == DEPLOYMENTS["backup-nightly"]["parameters"]["repo"]
    schedules = drift["schedules"]
    assert schedules and all(schedule["active"] is False for schedule in schedules)


def test_credentials_come_from_secret_blocks_only() -> None:
    text = (ROOT / "prefect.yaml").read_text()
    assert not re.search(r"df(oa|oe)_[A-Za-z0-9_-]{10,}", text)
    for deployment in DEPLOYMENTS.values():
        parameters = deployment.get("parameters") or {}
        assert "token" not in parameters
        blocks = [v for k, v in _walk(parameters) if k == "token_block"]
        assert blocks or deployment["name"] in STARTED_BY_A_FLOW, (
            f"{deployment['name']} names no token block"
        )


def _walk(value, key=None):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)
    else:
        yield key, value


def test_nightly_backup_runs_one_at_a_time_and_queues_the_next() -> None:
    from prefect.cli.deploy._models import DeploymentConfig

    limit = DEPLOYMENTS["backup-nightly"]["concurrency_limit"]
    assert limit == {"limit": 1, "collision_strategy": "ENQUEUE"}
    # Prefect's own model of a prefect.yaml deployment reads it as a limit spec.
    config = DeploymentConfig.model_validate(DEPLOYMENTS["backup-nightly"])
    assert config.concurrency_limit is not None
    assert not isinstance(config.concurrency_limit, int)
    assert config.concurrency_limit.limit == 1
    assert config.concurrency_limit.collision_strategy == "ENQUEUE"


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_the_deployed_parameters_fit_the_flow_schema(name: str) -> None:
    """The values prefect.yaml writes (variables set) pass the schema the server checks."""
    from prefect.utilities.callables import parameter_schema
    from prefect.utilities.schema_tools.validation import validate

    deployment = DEPLOYMENTS[name]
    flow = load_flow(deployment["entrypoint"])
    filled = yaml.safe_load(
        re.sub(r"\{\{ prefect\.variables\.\w+ \}\}", "/srv/set", yaml.safe_dump(deployment))
    )
    schema = parameter_schema(flow.fn).model_dump()
    assert validate(filled.get("parameters") or {}, schema) == []
