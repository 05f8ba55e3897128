"""What a person running the deployments sees (issue 13): bad parameters are refused before
anything is written, concurrent backups of one repository both complete, and a run's log
says what happened in a few lines (an expected failure: one line and a hint, no traceback).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows._calling import JobFailed
from flows.backup import ARTIFACT_KEY, backup_flow, run_backup
from flows.promote import promote_flow
from flows.smoke import smoke_check_flow
from gitstore import GitStore
from jobs import BackupSettings, Source
from tests.flows.backup_support import TRIAGE, edit_dsl, first_node, git, sign_in, tracked_files
from tests.support.emulator import EmulatorHandle

WRONG_TOKEN = "dfoa_" + "x" * 40


def schema_of(flow: Any) -> dict[str, Any]:
    from prefect.utilities.callables import parameter_schema

    return parameter_schema(flow.fn).model_dump()


def server_refuses(flow: Any, parameters: dict[str, Any]) -> bool:
    """Whether the Prefect server would refuse a run with `parameters` (it validates them
    against the deployment's parameter schema, as `prefect deployment run --param` does)."""
    from prefect.utilities.schema_tools.validation import validate

    return bool(validate(parameters, schema_of(flow), ignore_required=True))


# -- parameters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parameters",
    [
        {"repo": ""},
        {"repo": "   "},
        {"repo": "/b", "server": ""},
        {"repo": "/b", "token_block": ""},
        {"repo": "/b", "workspaces": [""]},
        {"repo": "/b", "concurrency": -3},
        {"repo": "/b", "concurrency": 33},
        {"repo": "/b", "rate_limit": 0},
        {"repo": "/b", "sources": [{"server": "", "token_block": "dify-token"}]},
    ],
)
def test_the_backup_schema_refuses_empty_and_out_of_range_parameters(
    parameters: dict[str, Any],
) -> None:
    assert server_refuses(backup_flow, parameters)


def test_the_schema_accepts_what_prefect_yaml_deploys() -> None:
    assert not server_refuses(
        backup_flow,
        {"repo": "/srv/backup", "server": "https://dify.example", "token_block": "dify-token"},
    )


@pytest.mark.parametrize(
    ("flow", "parameters"),
    [
        (promote_flow, {"source": {"kind": "workspace", "workspace": ""}}),
        (promote_flow, {"target": {"kind": "workspace", "workspace": "P", "server": ""}}),
        (promote_flow, {"source": {"kind": "git", "repo": ""}}),
        (promote_flow, {"concurrency": 0}),
        (promote_flow, {"smoke_file": ""}),
        (smoke_check_flow, {"smoke_file": ""}),
        (smoke_check_flow, {"manifest": " "}),
        (smoke_check_flow, {"rate_limit": 0}),
        (smoke_check_flow, {"target": {"kind": "workspace", "workspace": "P", "token_block": ""}}),
    ],
)
def test_promote_and_smoke_schemas_refuse_empty_and_out_of_range_parameters(
    flow: Any, parameters: dict[str, Any]
) -> None:
    assert server_refuses(flow, parameters)


@pytest.mark.parametrize(
    "parameters", [{"concurrency": -3}, {"rate_limit": 0}, {"repo": ""}, {"server": " "}]
)
def test_the_prefect_server_refuses_a_deployment_run_with_bad_parameters(
    prefect_harness, parameters: dict[str, Any]
) -> None:
    """What `prefect deployment run backup/backup-nightly --param ...` meets: the server
    checks the run's parameters against the flow's schema and creates no run."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import PrefectHTTPStatusError

    with get_client(sync_client=True) as client:
        deployment = client.create_deployment(
            flow_id=client.create_flow_from_name("backup"),
            name="parameters-check",
            parameters={"repo": "/srv/backup", "server": "https://dify.example"},
            parameter_openapi_schema=schema_of(backup_flow),
            enforce_parameter_schema=True,
        )
        client.create_flow_run_from_deployment(deployment)  # the deployed values are fine
        with pytest.raises(PrefectHTTPStatusError, match="409"):
            client.create_flow_run_from_deployment(deployment, parameters=parameters)


def test_an_empty_repo_is_refused_by_the_flow_before_anything_is_written(
    prefect_harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.exceptions import ParameterTypeError

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterTypeError, match="repo"):
        asyncio.run(backup_flow(repo=""))
    assert list(tmp_path.iterdir()) == []


def test_a_relative_repo_is_refused_with_the_words_to_fix_it(
    prefect_harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(JobFailed, match="give an absolute path or a URL"):
        asyncio.run(backup_flow(repo="backup"))
    assert list(tmp_path.iterdir()) == []


def test_a_checkout_of_difyops_itself_is_never_backed_up_into(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sign_in(emulator, monkeypatch)
    checkout = tmp_path / "difyops"
    checkout.mkdir()
    (checkout / "pyproject.toml").write_text('[project]\nname = "difyops"\n')
    git(checkout, "init", "-q", "-b", "main")
    git(checkout, "add", "-A")
    git(checkout, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "project")
    before = git(checkout, "rev-parse", "HEAD")
    with pytest.raises(Exception, match="checkout of difyops itself"):
        run_backup(BackupSettings(repo=str(checkout), rate_limit=None), [Source()])
    assert git(checkout, "rev-parse", "HEAD") == before
    assert git(checkout, "status", "--porcelain") == ""


# -- concurrent backups ---------------------------------------------------------------------


def test_two_backups_of_one_repository_at_once_both_complete_and_lose_nothing(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sign_in(emulator, monkeypatch)
    repo = tmp_path / "backup"
    settings = BackupSettings(repo=str(repo), rate_limit=None, concurrency=1)
    run_backup(settings, [Source()])
    first_commits = git(repo, "rev-list", "--count", "HEAD").strip()

    def reword(data: Any) -> None:
        first_node(data, "llm")["data"]["prompt_template"][0]["text"] += "\nAnswer in Welsh."

    edit_dsl(emulator, TRIAGE, reword)
    # The first run stops in the middle of its exports (files written, nothing committed)
    # until the second run has started and asked for the repository.
    second_asks = threading.Event()
    original_lock = GitStore.lock

    def lock(self: GitStore, **kwargs: Any) -> None:
        if threading.current_thread().name == "second":
            second_asks.set()
        original_lock(self, **kwargs)

    monkeypatch.setattr(GitStore, "lock", lock)
    paused = threading.Event()

    def exported(_: str) -> None:
        if not paused.is_set():
            paused.set()
            second_asks.wait()

    reports: dict[str, Any] = {}
    errors: list[BaseException] = []

    def run(name: str, progress: Any) -> None:
        try:
            reports[name] = run_backup(settings, [Source()], progress)
        except BaseException as exc:  # the test reports it below
            errors.append(exc)

    first = threading.Thread(target=run, args=("first", exported), name="first")
    second = threading.Thread(target=run, args=("second", None), name="second")
    first.start()
    paused.wait()
    second.start()
    first.join()
    second.join()

    assert errors == []
    assert reports["first"].ok and reports["second"].ok
    assert reports["first"].commit  # the edit, committed by the run that exported it
    assert reports["second"].commit is None  # nothing left to do after it
    assert int(git(repo, "rev-list", "--count", "HEAD")) == int(first_commits) + 1
    git(repo, "fsck", "--full", "--strict")
    assert git(repo, "status", "--porcelain") == ""
    stored = tracked_files(repo)
    assert len([f for f in stored if not f.endswith(("_index.yml", ".published.yml"))]) == 10
    assert "Answer in Welsh." in git(repo, "show", "HEAD")


# -- what the run's log says ----------------------------------------------------------------


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines += self.format(record).splitlines()


@pytest.fixture
def run_log() -> Iterator[list[str]]:
    """The lines a flow run logs (its own and its tasks'), as a worker's console shows."""
    handler = _Lines()
    loggers = [logging.getLogger(n) for n in ("prefect.flow_runs", "prefect.task_runs")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield handler.lines
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def latest_artifact(key: str) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        artifacts = [a for a in client.read_latest_artifacts() if a.key == key]
    return str(artifacts[0].data)


def test_a_successful_backup_logs_the_workspaces_and_the_commit(
    prefect_harness,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_log: list[str],
) -> None:
    sign_in(emulator, monkeypatch)
    result = asyncio.run(backup_flow(repo=str(tmp_path / "backup"), rate_limit=None))
    sha = str(result["commit"])
    text = "\n".join(run_log)
    assert "3 workspace(s) to back up: Acme Dev, Acme Prod, Partner Lab" in text
    assert "Acme Dev: 6 app(s), 6 exported (6 added)" in text
    assert f"committed {sha[:12]} to main, not pushed" in text
    assert "Traceback" not in text


def _failing_run(run_log: list[str], **parameters: Any) -> tuple[str, str]:
    from prefect.client.orchestration import get_client

    state = asyncio.run(backup_flow(rate_limit=None, return_state=True, **parameters))
    assert state.is_failed()
    # The server holds it as an ordinary Failed run: what automations trigger on.
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert run.state is not None and run.state.is_failed()
    with pytest.raises(JobFailed) as raised:
        state.result()
    return raised.value.message, "\n".join(run_log)


def test_a_wrong_token_fails_the_run_with_one_line_and_a_hint(
    prefect_harness,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_log: list[str],
) -> None:
    sign_in(emulator, monkeypatch)
    monkeypatch.setenv("DIFY_TOKEN", WRONG_TOKEN)
    message, log = _failing_run(run_log, repo=str(tmp_path / "backup"))
    line, hint = message.split("\n")
    assert "401" in line and hint.startswith("Sign in again for the flow's credentials")
    assert "--" not in hint  # worded for Prefect, not the CLI
    assert "Traceback" not in log and WRONG_TOKEN not in log
    assert len(run_log) <= 8
    assert "Sign in again" in latest_artifact(ARTIFACT_KEY)
    assert not (tmp_path / "backup").exists()


def test_a_server_that_is_down_fails_the_run_with_one_line_and_a_hint(
    prefect_harness,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_log: list[str],
) -> None:
    sign_in(emulator, monkeypatch)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("DIFY_SERVER", f"http://127.0.0.1:{port}")
    message, log = _failing_run(run_log, repo=str(tmp_path / "backup"))
    line, hint = message.split("\n")
    assert "cannot connect" in line and hint
    assert "Traceback" not in log
    assert len(run_log) <= 8


def test_a_bad_parameter_met_inside_the_flow_is_one_line_per_field(
    prefect_harness, tmp_path: Path, run_log: list[str]
) -> None:
    message, log = _failing_run(run_log, repo=str(tmp_path / "backup"), token_block="dify-token")
    assert message.splitlines() == [
        "a token_block needs the server URL too",
        "Fix the flow parameters named above and run again.",
    ]
    assert "Traceback" not in log and "pydantic" not in log
    artifact = latest_artifact(ARTIFACT_KEY)
    assert "Dify backup failed" in artifact and "token_block needs the server" in artifact


def test_the_secret_block_is_read_once_per_run_and_its_token_shown_nowhere(
    prefect_harness,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_log: list[str],
) -> None:
    from prefect.blocks.system import Secret

    import tasks.sources

    token = emulator.admin.token("ada@acme.example")
    monkeypatch.delenv("DIFY_SERVER", raising=False)
    monkeypatch.delenv("DIFY_TOKEN", raising=False)
    Secret(value=token).save("difyops-test-token", overwrite=True)
    loads: list[str] = []
    load = tasks.sources._load_block

    def counted(name: str) -> Any:
        loads.append(name)
        return load(name)

    monkeypatch.setattr(tasks.sources, "_load_block", counted)
    for _ in range(2):
        result = asyncio.run(
            backup_flow(
                repo=str(tmp_path / "backup"),
                server=emulator.base_url,
                token_block="difyops-test-token",
                rate_limit=None,
            )
        )
    # Each run opens a client per workspace (three) and one to list them: one read each.
    assert loads == ["difyops-test-token"] * 2
    assert result["results"]
    assert token not in "\n".join(run_log)
    assert token not in latest_artifact(ARTIFACT_KEY)


def test_a_smoke_check_that_fails_before_its_first_task_still_publishes_why(
    prefect_harness, tmp_path: Path, run_log: list[str]
) -> None:
    from flows.smoke import ARTIFACT_KEY as SMOKE_KEY
    from jobs import WorkspaceSide

    missing = tmp_path / "smoke.yml"
    with pytest.raises(JobFailed) as raised:
        asyncio.run(smoke_check_flow(target=WorkspaceSide(workspace="P"), smoke_file=str(missing)))
    assert str(missing) in raised.value.message.splitlines()[0]
    assert "Traceback" not in "\n".join(run_log)
    artifact = latest_artifact(SMOKE_KEY)
    assert "Dify smoke check failed" in artifact and "cannot read it" in artifact


def test_a_parameter_model_error_reads_one_line_per_field() -> None:
    from pydantic import ValidationError

    from flows.wording import PARAMETER_HINT, failure_text

    with pytest.raises(ValidationError) as raised:
        BackupSettings(repo=" ", concurrency=0, rate_limit=0)
    assert failure_text(raised.value).splitlines() == [
        "repo: must not be empty",
        "concurrency: must be >= 1",
        "rate_limit: must be >= 1",
        PARAMETER_HINT,
    ]
