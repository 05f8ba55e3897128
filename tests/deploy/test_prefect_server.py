"""The harness itself: a real server with a process pool, two workers and the deployments."""

from __future__ import annotations

from tests.deploy.conftest import POOL, WORKERS, Deployed

DEPLOYMENTS = {
    "backup/backup-nightly",
    "sync-members/members-sync",
    "promote/promote",
    "smoke-check/smoke-check",
}


def test_prefect_deploy_all_creates_every_deployment_of_prefect_yaml(deployed: Deployed):
    server = deployed.server
    for name in DEPLOYMENTS:
        deployment = server._call("read_deployment_by_name", name)
        assert deployment.work_pool_name == POOL
        assert "difyops" in deployment.tags
    workers = server.workers(POOL, at_least=WORKERS)
    assert len(workers) == WORKERS
