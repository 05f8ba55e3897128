"""Helpers of the faults suite: the seeded fault mix, the emulator's write log, the CLI run
until it succeeds, and the final states a user would compare.

The write log wraps the emulator's own write methods (it runs in this process, on a
thread): a write counts once the backend applied it, whether or not its answer reached
the client, which is what "no change made twice" is about. Request counters alone cannot
tell: a faulted request is counted too, and a retried role change that Dify answers
"already assigned" writes nothing.
"""

from __future__ import annotations

import itertools
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from dify_client import MAX_PAGE_LIMIT, DifyClient
from difyops.main import app as cli_app
from emulator.backend.dsl_import import DslImporter, ImportRequest
from emulator.backend.members import MemberService
from emulator.backend.release import ReleaseService
from tests.support.emulator import AdminClient, EmulatorHandle

# Issue 14's mix: 10 % server errors, 10 % rate limits (429 + Retry-After), 5 % dropped
# connections, drawn from the emulator's seeded RNG.
FAULT_MIX = (("server_error", 0.10), ("rate_limit", 0.10), ("drop_connection", 0.05))
COMPLETED = ("completed", "completed-with-warnings")


def seed_faults(admin: AdminClient, seed: int, *, retry_after: int = 1) -> None:
    """Switch the fault mix on for every `/openapi/v1` route, the RNG reseeded."""
    for index, (scenario, rate) in enumerate(FAULT_MIX):
        options: dict[str, Any] = {"rate": rate, "retry_after": retry_after}
        if index == 0:
            options["seed"] = seed
        admin.fault(scenario, **options)


def faults_fired(admin: AdminClient) -> Counter[str]:
    fired: Counter[str] = Counter()
    for fault in admin.faults()["faults"]:
        fired[fault["scenario"]] += fault["fired"]
    return fired


def fired_line(fired: Counter[str]) -> str:
    """`29 × 5xx, 27 × 429, 11 dropped` as a figure says it."""
    names = {
        "server_error": "5xx",
        "rate_limit": "429",
        "drop_connection": "dropped",
        "drop_after_write": "dropped after the write",
    }
    return ", ".join(f"{fired[s]} × {names[s]}" for s in names if fired[s])


def cli(*args: str) -> Result:
    """One `difyops` command in this process, as a user types it."""
    return CliRunner().invoke(cli_app, list(args), catch_exceptions=False)


def until_ok(args: tuple[str, ...], *, most: int) -> list[Result]:
    """Run the command again (as a user would) until it exits 0, at most `most` times."""
    runs: list[Result] = []
    while len(runs) < most:
        runs.append(cli(*args))
        if runs[-1].exit_code == 0:
            break
    return runs


@dataclass
class WriteLog:
    """Writes the emulator applied, by the key of what they changed."""

    invites: Counter[str] = field(default_factory=Counter)  # by e-mail
    role_changes: Counter[str] = field(default_factory=Counter)  # by member id
    removals: Counter[str] = field(default_factory=Counter)  # by member id
    # Completed imports (and confirms) and the apps they created, by the app's name.
    imports: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    publishes: Counter[str] = field(default_factory=Counter)  # by app id
    # Each app's writes in order (import, publish, restore), to tell a publish repeated
    # from one made again after the app changed.
    sequence: dict[str, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note(self, counter: Counter[str], key: str) -> None:
        with self._lock:
            counter[key] += 1

    def step(self, app_id: str, write: str) -> None:
        with self._lock:
            self.sequence.setdefault(app_id, []).append(write)

    @property
    def member_writes(self) -> int:
        return (
            sum(self.invites.values())
            + sum(self.role_changes.values())
            + sum(self.removals.values())
        )

    @property
    def import_writes(self) -> int:
        return sum(self.imports.values())

    def twice(self) -> list[str]:
        """Every change the emulator applied twice: an invite, role change or removal
        repeated, an app created twice, or a publish repeated with no other write to the
        app in between. (An app may be imported more than once: a rollback puts its
        snapshot back, and the next run imports it again; callers hold imports to what the
        runs reported.)"""
        counters = {
            "invite": self.invites,
            "role change": self.role_changes,
            "removal": self.removals,
            "creation of": self.created,
        }
        found = [
            f"{kind} {key} × {n}" for kind, c in counters.items() for key, n in c.items() if n > 1
        ]
        for app_id, writes in self.sequence.items():
            repeats = sum(pair == ("publish", "publish") for pair in itertools.pairwise(writes))
            found += [f"publish of {app_id} repeated"] * repeats
        return found


@contextmanager
def write_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[WriteLog]:
    """Count each write the emulator's backend applies (one that returns normally)."""
    log = WriteLog()

    def counted(name: str, counter: Counter[str], key: Callable[..., str]) -> None:
        real = getattr(MemberService, name)

        def wrapper(self: MemberService, auth: Any, *args: Any, **kwargs: Any) -> Any:
            answer = real(self, auth, *args, **kwargs)
            log.note(counter, key(*args, **kwargs))
            return answer

        monkeypatch.setattr(MemberService, name, wrapper)

    counted("invite", log.invites, lambda **kw: str(kw["email"]).strip().lower())
    counted("change_role", log.role_changes, lambda member_id, _role: member_id)
    counted("remove", log.removals, lambda member_id: member_id)

    real_import, real_confirm = DslImporter.import_app, DslImporter.confirm

    def noted(self: DslImporter, answer: Any, request: ImportRequest | None) -> Any:
        if answer.body.get("status") in COMPLETED:
            app_id = str(answer.body["app_id"])
            row = self._store.apps.app(app_id)
            name = row.name if row else app_id
            log.note(log.imports, name)
            log.step(app_id, "import")
            if request is not None and not request.app_id:
                log.note(log.created, name)
        return answer

    def import_app(self: DslImporter, auth: Any, request: ImportRequest, **kw: Any) -> Any:
        answer = real_import(self, auth, request, **kw)
        return noted(self, answer, request)

    def confirm(self: DslImporter, auth: Any, import_id: str, **kw: Any) -> Any:
        pending = self._store.apps.pending_import(import_id)
        payload = pending.payload if pending is not None else {}
        answer = real_confirm(self, auth, import_id, **kw)
        return noted(self, answer, ImportRequest("yaml-content", app_id=payload.get("app_id")))

    real_publish = ReleaseService.publish

    def publish(self: ReleaseService, app: Any, **kw: Any) -> Any:
        answer = real_publish(self, app, **kw)
        log.note(log.publishes, app.id)
        log.step(app.id, "publish")
        return answer

    real_restore = ReleaseService.restore

    def restore(self: ReleaseService, app: Any, version_id: str) -> Any:
        answer = real_restore(self, app, version_id)
        log.step(app.id, "restore")
        return answer

    monkeypatch.setattr(DslImporter, "import_app", import_app)
    monkeypatch.setattr(DslImporter, "confirm", confirm)
    monkeypatch.setattr(ReleaseService, "publish", publish)
    monkeypatch.setattr(ReleaseService, "restore", restore)
    yield log


def tree(repo: Path) -> str:
    """`git ls-tree -r HEAD`: every path with its blob, so equal trees hold equal files."""
    return subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def members_state(emulator: EmulatorHandle, workspace_id: str) -> list[tuple[str, str, str]]:
    with emulator.client(emulator.admin.token()) as http:
        rows = http.get(f"/workspaces/{workspace_id}/members", params={"limit": 200}).json()
    return sorted((m["email"], m["role"], m["status"]) for m in rows["data"])


def apps_state(emulator: EmulatorHandle, workspace_id: str) -> list[tuple[str, str, str, str]]:
    """(name, mode, draft export, live version's export) of every app, by name: the ids
    of new apps differ run to run. The live version only where the server publishes."""
    with DifyClient(emulator.base_url, emulator.admin.token()) as dify:
        state = []
        for app in dify.apps.list(workspace_id, limit=MAX_PAGE_LIMIT):
            live = ""
            if dify.supports("publish.console_app") and app.mode in ("workflow", "advanced-chat"):
                version = dify.releases.live_version(app.id)
                live = dify.dsl.export(app.id, workflow_id=version) if version else ""
            state.append((app.name, app.mode, dify.dsl.export(app.id), live))
    return sorted(state)
