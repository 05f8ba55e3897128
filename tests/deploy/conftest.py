"""The deploy tier: difyops deployed as a user deploys it, on a real Prefect server.

One `prefect server start` per session, a process work pool `difyops` with two workers, the
project's tracked files copied to a temporary directory and `prefect deploy --all` run there
against prefect.yaml, with the Prefect variables and the `dify-token` Secret block it refers
to. The deployments then run on the workers against the session's emulator.

Skipped (with the reason) only when the Prefect server cannot be started at all.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from emulator.server import EmulatorServer
from tests.support.emulator import EmulatorHandle
from tests.support.prefect_server import PrefectServer, PrefectServerUnavailable

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
POOL = "difyops"
WORKERS = 2
DEV_WORKSPACE = "d0000000-0000-4000-8000-000000000001"
PROD_WORKSPACE = "d0000000-0000-4000-8000-000000000002"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.deploy)
            item.add_marker(pytest.mark.slow)


def copy_project(destination: Path) -> Path:
    """The worktree's files as git sees them (tracked, plus new files not ignored)."""
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    for name in listed:
        source = REPO / name
        if not source.is_file():
            continue  # deleted in the work tree
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return destination


@dataclass
class Deployed:
    server: PrefectServer
    project: Path
    remote: Path  # the bare repository the variable difyops_backup_repo points at
    deploy_output: str

    def use_token(self, token: str) -> None:
        """The `dify-token` Secret block the deployments read."""
        self.server.save_secret("dify-token", token)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    tmp = tmp_path_factory.mktemp("prefect-server")
    try:
        context = PrefectServer.start(tmp)
        server = context.__enter__()
    except PrefectServerUnavailable as error:
        pytest.skip(f"a Prefect server cannot be started here: {error}")
    try:
        yield server
    finally:
        context.__exit__(None, None, None)


@pytest.fixture(scope="session")
def deployed(
    prefect_server: PrefectServer,
    emulator_server: EmulatorServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Deployed:
    tmp = tmp_path_factory.mktemp("deployed")
    project = copy_project(tmp / "project")
    remote = tmp / "backup-remote.git"
    subprocess.run(["git", "init", "--bare", "-q", "-b", "main", str(remote)], check=True)
    manifest = project / "examples" / "members.yml"
    smoke = project / "examples" / "smoke.yml"
    variables = {
        "dify_server": emulator_server.base_url,
        "difyops_backup_repo": f"file://{remote}",
        "difyops_members_manifest": str(manifest),
        "dify_dev_workspace": DEV_WORKSPACE,
        "dify_prod_workspace": PROD_WORKSPACE,
        "difyops_smoke_file": str(smoke),
    }
    for name, value in variables.items():
        prefect_server.set_variable(name, value)
    prefect_server.save_secret("dify-token", "dfoa_not-a-token-yet")
    # The venv installs difyops from another checkout (editable); the worker must import
    # the copy under test, as a worker started in a checkout of the project would.
    prefect_server.start_workers(
        POOL, n=WORKERS, cwd=project, extra_env={"PYTHONPATH": str(project)}
    )
    output = prefect_server.deploy_all(project)
    return Deployed(server=prefect_server, project=project, remote=remote, deploy_output=output)


@pytest.fixture
def signed_in(deployed: Deployed, emulator: EmulatorHandle) -> EmulatorHandle:
    """The emulator reset to the demo seed, and a fresh token for ada in `dify-token`."""
    deployed.use_token(emulator.admin.token("ada@acme.example"))
    return emulator
