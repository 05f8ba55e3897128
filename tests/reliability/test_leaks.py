"""Leaks (issue 14, suite 3): no secret planted in Dify ends up anywhere difyops writes.

Canaries (unique random strings, tests/reliability/_leak_support.py) sit in every place a
secret can: secret environment variables, HTTP-node bearer headers, API keys in URLs, in
query parameters and form bodies, tool and agent-tool credentials, a key typed into code,
the bearer token and the invitation links. The CLI part (S2) signs in through the device
flow and runs backups (with and without --include-secret), dsl diff/check of files
exported with secrets, promote plan/apply (text, --json, --out, from the backup), restore
--apply, drift (--markdown, --json), members apply with invitations, and error paths,
all with DIFYOPS_DEBUG=1; the Prefect part (S3, where promotions publish) runs the backup,
promote, drift-check and members-sync flows. Every canary is then looked for in
the repository's whole history (and every object in it, reachable or not), its files,
stdout/stderr, plan files, artifacts, logs, Prefect's home and database, and the config
directory. The places made for a secret are excluded for that secret only, and said so:
the token store for the token while signed in (after the logout it is searched for it
too), the `--invite-urls` file for the invitation links. The flows read the token from a
Prefect Secret block, as deployments do.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from prefect.states import State
from typer.testing import CliRunner, Result

from dify_client import DeviceFlow
from dify_client.testing import FakeClock
from difyops.commands import auth
from difyops.main import app
from dsl import REDACTED_PLACEHOLDER
from flows.backup import backup_flow
from flows.drift import drift_check_flow
from flows.promote import promote_flow
from flows.sync_members import sync_members_flow
from jobs import GitSide, WorkspaceSide
from reconcile.promotion.planner import Selection
from tests.reliability import _leak_support as leaks
from tests.support import figures
from tests.support.emulator import EmulatorHandle

SUITE = "leaks"
TOTAL = leaks.Ledger()
FROM_TO = ("--from", "Acme Dev", "--to", "Acme Prod")
IMPORT = "import.console_app.dsl"
TOKEN_STORE = "credentials.json"
SECRET_EXPORTS = (
    ("Acme Dev", "Support Ticket Triage", "dev-triage.yml"),
    ("Acme Prod", "Support Ticket Triage", "prod-triage.yml"),
    ("Acme Dev", "Release Notes Digest", "digest.yml"),
)
TOKEN_BLOCK = "leaks-dify-token"
PREFECT_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
_RATE_LIMITED = ("backup", "promote", "members", "drift")
APPS = tuple(arg for name in leaks.PROMOTED for arg in ("--app", name))


class _Approved(FakeClock):
    """While `auth login` waits, the person approves the code it showed."""

    def __init__(self, emulator: EmulatorHandle, codes: list[str]) -> None:
        super().__init__()
        self.emulator, self.codes = emulator, codes

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        self.emulator.admin.advance(seconds)
        if self.codes:
            self.emulator.admin.approve(self.codes.pop())


@pytest.fixture
def canaries() -> leaks.Canaries:
    return leaks.Canaries()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, emulator: EmulatorHandle, canaries: leaks.Canaries):  # type: ignore[no-untyped-def]
    """`cli(*args)` → Result; every stdout and stderr is kept in `cli.outputs`."""
    runner = CliRunner()
    outputs: list[Result] = []
    codes: list[str] = []
    monkeypatch.setattr(auth, "make_clock", lambda: _Approved(emulator, codes))
    start = DeviceFlow.start

    def started(self):  # type: ignore[no-untyped-def]
        code = start(self)
        codes.append(code.user_code)
        # The device code is the flow's secret (RFC 8628); the user code is shown on purpose.
        canaries.add("device code", code.device_code.get_secret_value())
        return code

    monkeypatch.setattr(DeviceFlow, "start", started)

    def run(*args: str, code: int | None = 0) -> Result:
        # No waiting under Dify's rate limit: the emulator does not enforce it.
        fast = ["--rate-limit", "100000"] if args[0] in _RATE_LIMITED else []
        result = runner.invoke(app, [*args, *fast], catch_exceptions=False)
        outputs.append(result)
        if code is not None:
            # A command that failed early for another reason would prove nothing.
            tail = leaks.scrub(result.stderr[-400:], canaries)
            assert result.exit_code == code, (args, result.exit_code, tail)
        return result

    run.outputs = outputs  # type: ignore[attr-defined]
    return run


def test_no_canary_leaks_from_the_cli(
    cli,  # type: ignore[no-untyped-def]
    emulator: EmulatorHandle,
    canaries: leaks.Canaries,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DIFYOPS_DEBUG", "1")
    config_dir = Path(os.environ["DIFYOPS_CONFIG_DIR"])
    repo, plans, links = tmp_path / "backup", tmp_path / "plans", tmp_path / "invites" / "links.tsv"
    leaks.plant(emulator, canaries)
    with leaks.every_log_record() as log_lines:
        signed_in = run_the_commands(cli, emulator, canaries, monkeypatch, repo, plans, links)

    haystack = leaks.Haystack()
    haystack.add("stdout", *(r.stdout for r in cli.outputs))
    haystack.add("stderr", *(r.stderr for r in cli.outputs))
    # What bypassed the runner's streams (a child process writing to the terminal).
    haystack.add("file descriptors", *capfd.readouterr())
    haystack.add("logs", *log_lines)
    haystack.add("git history", leaks.git_history(repo))
    haystack.add("git objects", leaks.git_objects(repo))
    haystack.add("repository files", leaks.files_under(repo))
    haystack.add("plan files", *(p.read_text() for p in plans.glob("*.json")))
    haystack.add("config dir", leaks.files_under(config_dir, skip=[config_dir / TOKEN_STORE]))
    haystack.add("token store (signed in)", signed_in.token_store)
    haystack.add("config dir (signed out)", leaks.files_under(config_dir))
    haystack.add("invite files", leaks.files_under(links.parent))
    # The places made for a secret: the token store holds the token until the logout
    # (after it, the whole config directory is searched for it too), and the file given
    # to --invite-urls holds the links.
    haystack.allow("token store (signed in)", "bearer token")
    haystack.allow("invite files", *(label for label in canaries.values if "invitation" in label))
    found = haystack.search(canaries)
    figures.record(SUITE, "cli", leaks.figure(found, canaries, len(haystack.places)))
    figures.record(SUITE, "", TOTAL.add(canaries, len(haystack.places), found))
    assert found == []
    assert signed_in.modes == "0600 file in 0700 dir"
    # The places searched are the ones meant: the token and the links are where they
    # belong, the rotated header was planned without its value, and each secret planted in
    # an app was backed up as `<redacted>` (exported, then redacted).
    # (Booleans first: pytest would print the values an assertion compares.)
    token_stored = haystack.holds("token store (signed in)", canaries.values["bearer token"])
    links_stored = [
        haystack.holds("invite files", value)
        for label, value in canaries.values.items()
        if label.startswith("invitation link")
    ]
    assert token_stored
    assert links_stored == [True] * len(leaks.INVITEES)
    assert haystack.holds("stdout", "~ headers: (secret value changed)")
    assert len(leaks.invite_links(links)) == len(leaks.INVITEES)
    dev = "".join(path.read_text() for path in repo.glob("*/acme-dev/*.yml"))
    redactions = dev.count(REDACTED_PLACEHOLDER)
    assert redactions == len(canaries.in_apps("dev"))


def run_the_commands(  # type: ignore[no-untyped-def]
    cli,
    emulator: EmulatorHandle,
    canaries: leaks.Canaries,
    monkeypatch: pytest.MonkeyPatch,
    repo: Path,
    plans: Path,
    links: Path,
) -> SignedIn:
    """Every command the CLI part runs, in order; what the token store held meanwhile."""
    config_dir = Path(os.environ["DIFYOPS_CONFIG_DIR"])
    cli("auth", "login", "--host", emulator.base_url, "--no-browser")
    stored = (config_dir / TOKEN_STORE).read_text()
    token = json.loads(stored)["tokens"][emulator.base_url]["ada@acme.example"]
    canaries.add("bearer token", token)
    signed_in = SignedIn(stored, leaks.private_store(config_dir, TOKEN_STORE))
    figures.record(SUITE, "token store", signed_in.modes)

    cli("backup", "run", "--repo", str(repo))
    cli("backup", "run", "--repo", str(repo), "--include-secret", "--full", "--json")

    # DSL files the person exported with their secrets (0600, theirs to keep out of git):
    # what `dsl diff` and `dsl check` print of them.
    exports = plans.parent / "exports"
    exports.mkdir()
    for workspace, name, file in SECRET_EXPORTS:
        output = str(exports / file)
        cli("apps", "export", name, "-w", workspace, "--include-secret", "-o", output)
    dev, prod, digest = (str(exports / file) for *_, file in SECRET_EXPORTS)
    cli("dsl", "diff", dev, prod, code=1)
    cli("dsl", "diff", dev, prod, "--json", code=1)
    cli("dsl", "check", digest, code=1)  # it names where each secret is
    cli("dsl", "check", digest, "--json", code=1)
    assert leaks.private_files(exports) == ["0600"] * len(SECRET_EXPORTS)

    plans.mkdir()
    cli("promote", "plan", *FROM_TO, *APPS, "--out", str(plans / "first.json"))
    cli("promote", "plan", *FROM_TO, *APPS, "--json")
    # An apply whose imports are tampered with: verification fails, and so does the
    # rollback (tampered with too): the messages that compare what was sent and found.
    emulator.admin.fault("tamper_import", route=emulator.route(IMPORT))
    cli("promote", "apply", "--plan", str(plans / "first.json"), code=1)
    emulator.admin.clear_faults()
    cli("promote", "plan", *FROM_TO, *APPS, "--out", str(plans / "second.json"), "--json")
    cli("promote", "apply", "--plan", str(plans / "second.json"))
    # Prod now differs from its backup, and from Dev in the apps not promoted.
    (host,) = [path.name for path in repo.iterdir() if path.is_dir() and path.name != ".git"]
    desired = f"git:main:{host}/acme-prod"
    cli("drift", "-w", "Acme Prod", "--desired", desired, "--repo", str(repo), "--json", code=2)
    cli("drift", "-w", "Acme Prod", "--desired", "Acme Dev", "--markdown", code=2)
    cli("backup", "run", "--repo", str(repo), "--include-secret", "--json")
    # From the backup (its secrets redacted) into Prod: the target keeps its values, also
    # those the redaction found in query params and form fields.
    source = ("--from", f"git:main:{host}/acme-dev", "--to", "Acme Prod", "--repo", str(repo))
    cli("promote", "plan", *source, *APPS)
    prod_digest = leaks.app_named(emulator, leaks.DEMO.ACME_PROD, "Release Notes Digest")
    leaks.retitle_llm(emulator, prod_digest, "Changed in Prod")
    cli("promote", "apply", "--auto-approve", *source, "--app", "Release Notes Digest")
    digest_kept = REDACTED_PLACEHOLDER not in emulator.export(prod_digest, include_secret=True)
    assert digest_kept, "promoting the redacted backup wrote <redacted> into Prod"
    at = ("--at", "HEAD~1", "--repo", str(repo), "--path", f"{host}/acme-prod")
    cli("restore", "Support Ticket Triage", "--to", "Acme Prod", *at, "--apply", "--json")
    restored = emulator.export(leaks.PROD_TRIAGE, include_secret=True)
    kept = canaries.values["secret env var (prod)"] in restored  # not `<redacted>`
    assert kept, "the restore lost Prod's secret value"  # (a bare assert would print it)

    manifest = plans.parent / "members.yml"
    manifest.write_text(members_manifest())
    links.parent.mkdir()
    cli("members", "plan", "-f", str(manifest), "--out", str(plans / "members.json"), "--json")
    cli("members", "apply", "--plan", str(plans / "members.json"), "--invite-urls", str(links))
    for email, link in leaks.invite_links(links).items():
        canaries.add(f"invitation link ({email})", leaks.invite_token(link))

    # Error paths, with DIFYOPS_DEBUG=1 all along: a server error on an export with
    # secrets, a connection dropped on an import, a damaged token store, the token revoked.
    emulator.admin.fault("server_error", status=500, path_contains=leaks.DEV_DIGEST)
    cli("backup", "run", "--repo", str(repo), "--include-secret", "--full", code=1)
    emulator.admin.clear_faults()
    emulator.admin.edit_app(leaks.DEV_DIGEST, description="Edited to have something to promote")
    emulator.admin.fault("drop_connection", route=emulator.route(IMPORT))
    cli(
        "promote",
        "apply",
        "--auto-approve",
        *FROM_TO,
        "--app",
        "Release Notes Digest",
        "--json",
        code=None,
    )
    emulator.admin.clear_faults()
    # A token store damaged by a hand edit (the token one level too high): one line, and
    # not the token.
    store = config_dir / TOKEN_STORE
    intact = store.read_text()
    store.write_text(json.dumps({"version": 1, "tokens": {emulator.base_url: token}}))
    damaged = "is not a credentials file" in cli("apps", "list", code=1).stderr
    store.write_text(intact)
    assert damaged  # (a bool: pytest would print the text an `in` compares)
    cli("auth", "logout")
    monkeypatch.setenv("DIFY_SERVER", emulator.base_url)
    monkeypatch.setenv("DIFY_TOKEN", token)
    cli("backup", "run", "--repo", str(repo), "--include-secret", code=4)
    return signed_in


@dataclass(frozen=True)
class SignedIn:
    token_store: str = field(repr=False)  # its text while signed in
    modes: str = ""  # "0600 file in 0700 dir"


def members_manifest() -> str:
    invitees = "".join(
        f"      - email: {email}\n        role: normal\n" for email in leaks.INVITEES
    )
    return (
        "version: 1\n"
        "workspaces:\n"
        "  - name: Acme Dev\n"
        "    members:\n"
        "      - email: ada@acme.example\n"
        "        role: owner\n" + invitees
    )


# The Prefect part runs on the S3 generation (the CLI part on S2): promotions publish there,
# and backups keep an app's published version beside its draft while the two differ.
@pytest.mark.parametrize("api_generation", ["s3"], indirect=True)
def test_no_canary_leaks_from_the_prefect_flows(
    prefect_harness: None,
    emulator: EmulatorHandle,
    canaries: leaks.Canaries,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from prefect.blocks.system import Secret
    from prefect.logging.handlers import APILogWorker

    repo, links = tmp_path / "backup", tmp_path / "invites" / "links.tsv"
    links.parent.mkdir()
    manifest = tmp_path / "members.yml"
    manifest.write_text(members_manifest())
    leaks.plant(emulator, canaries)
    leaks.publish_then_edit(emulator, leaks.DEV_DIGEST)
    # The token as deployments keep it: in a Prefect Secret block the flows read.
    token = canaries.add("bearer token", emulator.admin.token("ada@acme.example"))
    Secret(value=token).save(TOKEN_BLOCK, overwrite=True)
    with leaks.every_log_record(*PREFECT_RUN_LOGGERS) as log_lines:
        states = run_the_flows(emulator.base_url, repo, manifest, links)
        APILogWorker.drain_all(timeout=5)
    results = [state.result(raise_on_failure=False) for state in states]
    links_kept = leaks.invite_links(links).values()
    for email, link in leaks.invite_links(links).items():
        canaries.add(f"invitation link ({email})", leaks.invite_token(link))
    runs = [state.state_details.flow_run_id for state in states]
    artifacts, flow_logs = leaks.what_the_runs_left(runs)
    captured = capfd.readouterr()

    haystack = leaks.Haystack()
    haystack.add("artifacts", *artifacts)
    haystack.add("flow logs", *flow_logs)
    haystack.add("log records", *log_lines)
    haystack.add("stdout", captured.out)
    haystack.add("stderr", captured.err)
    haystack.add("flow results", *(repr(item) for item in [*states, *results]))
    haystack.add("git history", leaks.git_history(repo))
    haystack.add("git objects", leaks.git_objects(repo))
    haystack.add("repository files", leaks.files_under(repo))
    haystack.add("Prefect home", leaks.files_under(Path(os.environ["PREFECT_HOME"])))
    haystack.add("Prefect database", leaks.files_under(prefect_database_dir()))
    haystack.add("invite files", leaks.files_under(links.parent))
    haystack.allow("invite files", *(label for label in canaries.values if "invitation" in label))
    found = haystack.search(canaries)
    figures.record(SUITE, "prefect", leaks.figure(found, canaries, len(haystack.places)))
    figures.record(SUITE, "", TOTAL.add(canaries, len(haystack.places), found))
    assert found == []
    assert any("Release Notes Digest" in artifact for artifact in artifacts)  # they were read
    assert any("(secret value changed)" in artifact for artifact in artifacts)  # the rotation
    assert haystack.holds("Prefect database", "dify-promotion-result")
    links_stored = [haystack.holds("invite files", leaks.invite_token(k)) for k in links_kept]
    assert links_stored == [True] * len(leaks.INVITEES)
    # The published version (it differs from the draft) was backed up redacted as well.
    (draft,) = repo.glob("*/acme-dev/release-notes-digest.yml")
    (published,) = repo.glob("*/acme-dev/release-notes-digest.published.yml")
    redacted = [path.read_text().count(REDACTED_PLACEHOLDER) for path in (draft, published)]
    assert redacted[0] == redacted[1] > 0
    # What was searched holds what the flows did: the logs were not lost on the way.
    assert any(line.startswith("applied: ") for line in flow_logs)  # the promotion's
    assert any(line.startswith("dify_client ") for line in log_lines)


def run_the_flows(server: str, repo: Path, manifest: Path, links: Path) -> list[State[Any]]:
    """Backup with secrets, promotion, drift check, members sync with invitations, and a
    backup of what the promotion made; each as its flow, as a deployment would run it.
    The final state of each run (the drift check's is Failed: Prod drifted)."""
    reach: dict[str, Any] = {"server": server, "token_block": TOKEN_BLOCK}
    dev = WorkspaceSide(workspace="Acme Dev", **reach)
    prod = WorkspaceSide(workspace="Acme Prod", **reach)
    backup: dict[str, Any] = {"repo": str(repo), "include_secret": True, "full": True, **reach}
    fast: dict[str, Any] = {"rate_limit": None, "return_state": True}
    states = [final(backup_flow(**backup, **fast))]
    selection = Selection(apps=list(leaks.PROMOTED))
    states.append(
        final(promote_flow(source=dev, target=prod, selection=selection, confirm=True, **fast))
    )
    (host,) = [path.name for path in repo.iterdir() if path.is_dir() and path.name != ".git"]
    desired = GitSide(repo=str(repo), ref="main", path=f"{host}/acme-prod")
    states.append(final(drift_check_flow(live=prod, desired=desired, **fast)))
    members = {"manifest": str(manifest), "apply": True, "invite_urls_file": str(links)}
    states.append(final(sync_members_flow(**members, **reach, **fast)))
    states.append(final(backup_flow(**backup, **fast)))
    return states


def final(run: Any) -> State[Any]:
    """The final state of a flow called with `return_state=True`."""
    state: State[Any] = asyncio.run(run)
    return state


def prefect_database_dir() -> Path:
    """The directory of the test harness's SQLite database (with its journal files)."""
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    url = str(PREFECT_SERVER_DATABASE_CONNECTION_URL.value())
    return Path(url.split(":///", 1)[1]).parent
