"""Helpers of the faults suite: the seeded fault mix, the emulator's write log, the CLI run
until it succeeds, and the final states a user would compare.

The write log wraps the emulator's own write methods (it runs in this process, on a
thread): a write counts once the backend applied it, whether or not its answer reached
the client, which is what "no change made twice" is about. Request counters alone cannot
tell: a faulted request is counted too, and a retried role change that Dify answers
"already assigned" writes nothing.
"""

from __future__ import annotations

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

from difyops.main import app as cli_app
from emulator.backend.dsl_import import DslImporter
from emulator.backend.members import MemberService
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
    imports: Counter[str] = field(default_factory=Counter)  # by the app id written
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note(self, counter: Counter[str], key: str) -> None:
        with self._lock:
            counter[key] += 1

    def twice(self) -> list[str]:
        """Every change the emulator applied more than once."""
        counters = {
            "invite": self.invites,
            "role change": self.role_changes,
            "removal": self.removals,
            "import": self.imports,
        }
        return [
            f"{kind} {key} × {n}" for kind, c in counters.items() for key, n in c.items() if n > 1
        ]


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

    for name in ("import_app", "confirm"):
        real = getattr(DslImporter, name)

        def importing(self: DslImporter, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            answer = _real(self, *args, **kwargs)
            if answer.body.get("status") in COMPLETED:
                log.note(log.imports, str(answer.body["app_id"]))
            return answer

        monkeypatch.setattr(DslImporter, name, importing)
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


def apps_state(emulator: EmulatorHandle, workspace_id: str) -> list[tuple[str, str, str]]:
    """(name, mode, export) of every app, by name: the ids of new apps differ run to run."""
    with emulator.client(emulator.admin.token()) as http:
        rows = http.get("/apps", params={"workspace_id": workspace_id, "limit": 200}).json()
    return sorted((a["name"], a["mode"], emulator.export(a["id"])) for a in rows["data"])
