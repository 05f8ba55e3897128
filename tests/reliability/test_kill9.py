"""kill -9 (issue 14, suite 2): `difyops` killed with SIGKILL at seeded random points of a
200-app backup, of `members apply` and of `promote apply`. After each kill the repository
is sound (`git fsck --full`), the next run completes and ends where a run that was never
killed ends: the same tree, the same members, the same promoted apps, nothing twice.

Each run is a child forked from this process (tests/reliability/_kill_support.py) that
talks to the emulator over HTTP; the kill points come from a fixed seed (where a point
lands in the run still depends on the machine's speed, which is what the figures count).
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dsl import load_text
from reconcile.promotion.view import comparable, view_hash
from tests.flows.promote_support import DEV_HELPDESK, DEV_TRIAGE, change_dev
from tests.reliability._kill_support import (
    Finished,
    KillPoint,
    fsck,
    kill_points,
    killed_at,
    requests_on,
    run_killed,
    run_to_end,
    start,
    tree,
)
from tests.support import figures
from tests.support.emulator import DEMO, EmulatorHandle

SUITE = "kill -9"
SEED = 14
# A requests-per-minute cap no run reaches: the suite measures kills, not the pacing.
UNPACED = ("--rate-limit", "1000000")
POLL_SECONDS = 0.02


@pytest.fixture(autouse=True)
def _preimported() -> None:
    # What the forked children run, imported once here so that no child pays for it.
    import flows.backup
    import flows.promote
    import flows.sync_members  # noqa: F401


def _credentials(emulator: EmulatorHandle) -> dict[str, str]:
    return {"DIFY_SERVER": emulator.base_url, "DIFY_TOKEN": emulator.admin.token()}


def _explain(what: str, run: Finished) -> str:
    return f"{what}: exit {run.code}\n{run.stdout[-1500:]}\n{run.stderr[-1500:]}"


# --- backup -------------------------------------------------------------------------------

BULK_APPS = 200
EXPORT_KILLS = 14
TAIL_KILLS = 6


@dataclass
class BackupCase:
    emulator: EmulatorHandle
    env: dict[str, str]
    tmp_path: Path
    exports_per_run: int = 0

    @property
    def exports(self) -> list[str]:
        return [self.emulator.route("export.console_app.dsl")]

    @staticmethod
    def argv(repo: Path) -> list[str]:
        return ["backup", "run", "--repo", str(repo), "-w", "Acme Dev", *UNPACED, "--json"]

    def killed(self, number: int, planned: KillPoint) -> tuple[Finished, KillPoint, Path]:
        """A backup into a new repository, killed at `planned` (or earlier). A `git` point
        counts whether the repository's .git/index.lock exists: `git add` or `git commit`
        is running."""
        repos: list[Path] = []
        exported: list[bool] = []

        def seen() -> int:
            if planned.label != "git":
                return requests_on(self.emulator, self.exports)
            # Checked often only once the exports are done: it takes the GIL from the
            # emulator's thread each time.
            if len(exported) < len(repos):
                if requests_on(self.emulator, self.exports) < self.exports_per_run:
                    time.sleep(POLL_SECONDS)
                    return 0
                exported.append(True)
            return int((repos[-1] / ".git" / "index.lock").exists())

        def attempt(point: KillPoint) -> Finished:
            repos.append(self.tmp_path / f"killed-{number:02d}-{len(repos)}")
            self.emulator.admin.reset_stats()
            return run_killed(
                self.argv(repos[-1]),
                env=self.env,
                logs=self.tmp_path / "logs" / f"{number:02d}",
                point=point,
                seen=seen,
            )

        run, point = killed_at(planned, attempt)
        return run, point, repos[-1]


@dataclass
class BackupTally:
    """The backup kills of both tests, for one figure line."""

    kills: int = 0
    recovered: int = 0
    identical: int = 0
    in_export: int = 0
    locks: int = 0

    def line(self) -> str:
        trees = "tree identical" if self.identical == self.kills else f"{self.identical} trees"
        return (
            f"{self.recovered}/{self.kills} recovered, {trees} ({self.in_export} killed while"
            f" exporting, {self.kills - self.in_export} while writing or committing;"
            f" {self.locks} left .git/index.lock)"
        )


_BACKUPS = BackupTally()


def test_backups_killed_while_exporting_recover_to_the_fault_free_tree(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """14 kills at times drawn over a fault-free run's exports."""
    _back_up_killed(emulator, tmp_path, "export", EXPORT_KILLS)


def test_backups_killed_while_writing_or_committing_recover_to_the_fault_free_tree(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    """3 kills after the last export, at times drawn over what a fault-free run spends
    after it (writing the files, `git add`, `git commit`), and 3 while git holds the
    index lock (within 10 ms of .git/index.lock appearing)."""
    _back_up_killed(emulator, tmp_path, "tail", TAIL_KILLS)


def _back_up_killed(emulator: EmulatorHandle, tmp_path: Path, phase: str, kills: int) -> None:
    emulator.admin.bulk(DEMO.ACME_DEV, apps=BULK_APPS)
    case = BackupCase(emulator, _credentials(emulator), tmp_path)

    # The fault-free run: its tree, and when its exports end (the rest is files and git).
    # Timed on its second run: the emulator caches export texts, so the killed runs are
    # as fast as a warm one, and times drawn over a cold run would land after their end.
    for attempt in ("cold", "reference"):
        emulator.admin.reset_stats()
        reference = start(
            case.argv(tmp_path / attempt), env=case.env, logs=tmp_path / f"{attempt}-logs"
        )
        while requests_on(emulator, case.exports) < BULK_APPS and reference.poll() is None:
            time.sleep(POLL_SECONDS)
        exported_at = time.monotonic() - reference.started
        clean = reference.wait()
        assert clean.code == 0, _explain(f"the fault-free backup ({attempt})", clean)
    total = case.exports_per_run = requests_on(emulator, case.exports)
    assert total >= BULK_APPS
    expected = tree(tmp_path / "reference")

    rng = random.Random(f"{SEED}-{phase}")  # deterministic kill points, not for secrets
    # A time while the fault-free run exported, or a time after its last export.
    count, start_at, end_at = (
        (0, 0.05, exported_at) if phase == "export" else (total, 0.0, clean.seconds - exported_at)
    )
    points = [
        KillPoint(count, rng.uniform(start_at, end_at), phase, poll=POLL_SECONDS)
        for _ in range(kills)
    ]
    if phase == "tail":
        points[kills // 2 :] = [
            KillPoint(1, rng.uniform(0, 0.01), "git", poll=0.001) for _ in points[kills // 2 :]
        ]
    tally = _BACKUPS
    problems: list[str] = []
    for number, planned in enumerate(points):
        killed, point, repo = case.killed(number, planned)
        tally.kills += 1
        tally.in_export += requests_on(emulator, case.exports) < total
        tally.locks += (repo / ".git" / "index.lock").exists()
        right_after = fsck(repo) if (repo / ".git").exists() else ""
        rerun = run_to_end(case.argv(repo), env=case.env, logs=tmp_path / f"rerun-{number:02d}")
        after = fsck(repo)
        same = tree(repo) == expected
        ok = killed.killed and rerun.code == 0 and not right_after and not after
        tally.recovered += ok
        tally.identical += same
        if not (ok and same):
            problems.append(
                f"kill {number} ({point.describe()}, exit {killed.code}): fsck after the kill "
                f"{right_after or 'clean'}, after the rerun {after or 'clean'}, tree "
                f"{'identical' if same else 'DIFFERENT'}; " + _explain("rerun", rerun)
            )
    figures.record(SUITE, "backup", tally.line())
    assert not problems, "\n\n".join(problems)


# --- members apply ------------------------------------------------------------------------

BULK_MEMBERS = 40
INVITEES = [f"kill9-invitee-{i:02d}@acme.example" for i in range(12)]
ROLE_CHANGES = 10
REMOVALS = 8
MEMBER_WRITES = ("invite.workspace.member", "set.workspace.member_role", "delete.workspace.member")


def _members_manifest(emulator: EmulatorHandle) -> str:
    """Acme Dev with its 40 bulk members: 12 invites, 10 role changes, 8 removals."""
    keep: list[tuple[str, str]] = []
    changed = removed = 0
    for email, (role, status) in sorted(_member_rows(emulator).items()):
        if email.startswith("bulk-") and role == "normal" and status == "active":
            if removed < REMOVALS:
                removed += 1
                continue
            if changed < ROLE_CHANGES:
                changed += 1
                keep.append((email, "admin"))
                continue
        keep.append((email, role))
    keep += [(email, "normal" if i % 3 else "admin") for i, email in enumerate(INVITEES)]
    assert (changed, removed) == (ROLE_CHANGES, REMOVALS)
    members = "".join(f"      - email: {email}\n        role: {role}\n" for email, role in keep)
    return (
        "version: 1\nworkspaces:\n  - name: Acme Dev\n    prune: true\n"
        f"    max_removal_ratio: 0.5\n    members:\n{members}"
    )


def _member_list(emulator: EmulatorHandle) -> list[dict[str, Any]]:
    with emulator.client(emulator.admin.token()) as http:
        answer = http.get(f"/workspaces/{DEMO.ACME_DEV}/members", params={"limit": 100})
        answer.raise_for_status()
        rows: list[dict[str, Any]] = answer.json()["data"]
    return rows


def _member_rows(emulator: EmulatorHandle) -> dict[str, tuple[str, str]]:
    return {m["email"]: (m["role"], m["status"]) for m in _member_list(emulator)}


def _links(path: Path) -> list[str]:
    """The e-mails of the invitation links file, one per line kept (never the links)."""
    if not path.exists():
        return []
    return [line.split("\t", 1)[0] for line in path.read_text().splitlines() if "\t" in line]


@dataclass
class MembersCase:
    emulator: EmulatorHandle
    tmp_path: Path

    @property
    def writes(self) -> list[str]:
        return [self.emulator.route(op) for op in MEMBER_WRITES]

    def fresh(self) -> tuple[Path, dict[str, str]]:
        """The demo seed with 40 bulk members in Acme Dev, and the manifest that changes it."""
        self.emulator.admin.reset("demo")
        self.emulator.admin.bulk(DEMO.ACME_DEV, members=BULK_MEMBERS)
        manifest = self.tmp_path / "members.yml"
        manifest.write_text(_members_manifest(self.emulator), encoding="utf-8")
        self.emulator.admin.reset_stats()
        return manifest, _credentials(self.emulator)

    @staticmethod
    def argv(manifest: Path, links: Path) -> list[str]:
        return [
            "members",
            "apply",
            "--auto-approve",
            "-f",
            str(manifest),
            "--invite-urls",
            str(links),
            *UNPACED,
        ]

    def killed(
        self, number: int, planned: KillPoint, links: Path
    ) -> tuple[Finished, KillPoint, list[str], dict[str, str]]:
        state: list[tuple[Path, dict[str, str]]] = []

        def attempt(point: KillPoint) -> Finished:
            state.append(self.fresh())
            links.unlink(missing_ok=True)
            Path(f"{links}.sent").unlink(missing_ok=True)
            return run_killed(
                self.argv(state[-1][0], links),
                env=state[-1][1],
                logs=self.tmp_path / "logs" / f"{number:02d}",
                point=point,
                seen=lambda: requests_on(self.emulator, self.writes),
            )

        run, point = killed_at(planned, attempt)
        manifest, env = state[-1]
        return run, point, self.argv(manifest, links), env


def test_members_apply_killed_at_10_points_converges_with_no_duplicates(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    case = MembersCase(emulator, tmp_path)
    manifest, env = case.fresh()
    clean = run_to_end(case.argv(manifest, tmp_path / "ref.tsv"), env=env, logs=tmp_path / "ref")
    assert clean.code == 0, _explain("the fault-free members apply", clean)
    changes = requests_on(emulator, case.writes)
    assert changes == len(INVITEES) + ROLE_CHANGES + REMOVALS
    intended = _member_rows(emulator)
    assert sorted(_links(tmp_path / "ref.tsv")) == sorted(INVITEES)

    # (Not after its last change: a run that ends before its kill point is no kill.)
    points = kill_points(SEED, during=10, requests=changes - 1, jitter_seconds=0.004)
    converged = duplicates = reissued = 0
    problems: list[str] = []
    for number, planned in enumerate(points):
        links = tmp_path / f"invites-{number:02d}.tsv"
        killed, point, argv, env = case.killed(number, planned, links)
        rerun = run_to_end(argv, env=env, logs=tmp_path / f"rerun-{number:02d}")
        emails = [m["email"].lower() for m in _member_list(emulator)]
        kept = _links(links)
        twice = sum(n - 1 for n in Counter(emails).values()) + len(kept) - len(set(kept))
        duplicates += twice
        reissued += "invited again" in " ".join((rerun.stdout + rerun.stderr).split())
        ok = (
            killed.killed
            and rerun.code == 0
            and _member_rows(emulator) == intended
            and sorted(set(kept)) == sorted(INVITEES)
        )
        converged += ok
        if not ok or twice:
            problems.append(
                f"{point.describe()} (exit {killed.code}): {twice} duplicate(s), links kept "
                f"for {len(set(kept))}/{len(INVITEES)}; " + _explain("rerun", rerun)
            )
    figures.record(
        SUITE,
        "members",
        f"{converged}/{len(points)} converged, {duplicates} duplicates"
        f" ({reissued} reruns re-issued a link the kill lost)",
    )
    assert not problems, "\n\n".join(problems)


# --- promote apply ------------------------------------------------------------------------

PROMOTED_BULK = 6
PROMOTE_CALLS = (
    "import.console_app.dsl",
    "confirm.console_app.dsl_import",
    "check.console_app.dependency",
    "export.console_app.dsl",
)
APPLY = [
    "promote",
    "apply",
    "--auto-approve",
    "--from",
    "Acme Dev",
    "--to",
    "Acme Prod",
    *UNPACED,
    "--json",
]

State = dict[str, list[str]]


def _target_state(emulator: EmulatorHandle) -> State:
    """Each Acme Prod app's name → the comparable views' hashes of the apps of that name."""
    with emulator.client(emulator.admin.token()) as http:
        answer = http.get("/apps", params={"workspace_id": DEMO.ACME_PROD, "limit": 100})
        answer.raise_for_status()
        state: State = {}
        for app in answer.json()["data"]:
            exported = http.get(f"/apps/{app['id']}/export")
            exported.raise_for_status()
            view = comparable(load_text(exported.json()["data"]).data)
            state.setdefault(app["name"], []).append(view_hash(view))
    return state


@dataclass
class PromoteCase:
    emulator: EmulatorHandle
    tmp_path: Path

    def routes(self, *ops: str) -> list[str]:
        return [self.emulator.route(op) for op in ops]

    def fresh(self) -> tuple[dict[str, str], State]:
        """The demo seed with 6 more apps in Acme Dev and 2 of its apps edited: credentials
        and Acme Prod as it is before the promotion."""
        self.emulator.admin.reset("demo")
        self.emulator.admin.bulk(DEMO.ACME_DEV, apps=PROMOTED_BULK)
        change_dev(self.emulator, DEV_TRIAGE, "Triage, promoted")
        change_dev(self.emulator, DEV_HELPDESK, "Helpdesk, promoted")
        before = _target_state(self.emulator)
        self.emulator.admin.reset_stats()
        return _credentials(self.emulator), before

    def killed(
        self, number: int, planned: KillPoint
    ) -> tuple[Finished, KillPoint, dict[str, str], State]:
        """A `held` point holds the dependency check after each import from the k-th on (a
        slow server) and kills the run once the k-th is waiting: between that app's import
        and its verification. Other points count every promotion call."""
        checks = self.routes("check.console_app.dependency")
        state: list[tuple[dict[str, str], State]] = []

        def attempt(point: KillPoint) -> Finished:
            state.append(self.fresh())
            seen = checks if point.label == "held" else self.routes(*PROMOTE_CALLS)
            if point.label == "held":
                self.emulator.admin.fault(
                    "latency", route=checks[0], after=point.after - 1, latency_ms=9000
                )
            return run_killed(
                APPLY,
                env=state[-1][0],
                logs=self.tmp_path / "logs" / f"{number:02d}",
                point=point,
                seen=lambda: requests_on(self.emulator, seen),
            )

        run, point = killed_at(planned, attempt)
        self.emulator.admin.clear_faults()
        return run, point, *state[-1]


def test_promote_apply_killed_at_10_points_is_completed_or_rolled_back(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    case = PromoteCase(emulator, tmp_path)
    env, original = case.fresh()
    clean = run_to_end(APPLY, env=env, logs=tmp_path / "ref")
    assert clean.code == 0, _explain("the fault-free promote apply", clean)
    outcomes = Counter(a["outcome"] for a in json.loads(clean.stdout)["result"]["apps"])
    changing = outcomes["applied"]
    assert changing >= PROMOTED_BULK + 2, outcomes
    calls = requests_on(emulator, case.routes(*PROMOTE_CALLS))
    promoted = _target_state(emulator)
    assert all(len(ids) == 1 for ids in promoted.values()), promoted

    # Five kills anywhere in the run (planning, imports, verifications; not in its last
    # few calls: a run that ends before its kill point is no kill), and five between an
    # import and its verification.
    rng = random.Random(SEED)  # deterministic kill points, not for secrets
    anywhere = kill_points(SEED, during=5, requests=calls - 4, jitter_seconds=0.005)
    held = [KillPoint(rng.randint(1, changing), 0.02, "held") for _ in range(5)]
    converged = completed = rolled_back = half = unverified = duplicates = 0
    problems: list[str] = []
    for number, planned in enumerate(anywhere + held):
        killed, point, env, original = case.killed(number, planned)
        landed = requests_on(emulator, case.routes("import.console_app.dsl"))
        at_kill = _target_state(emulator)
        moved = [n for n in promoted if at_kill.get(n) != original.get(n)]
        half += 0 < len(moved) < changing
        unverified += point.label == "held" and bool(moved)
        rerun = run_to_end(APPLY, env=env, logs=tmp_path / f"rerun-{number:02d}")
        now = _target_state(emulator)
        verdict = _promotion_verdict(rerun, moved, original, promoted, now)
        if verdict == "rolled back":
            # Said so, and the target holds what it had; the next apply completes it.
            again = run_to_end(APPLY, env=env, logs=tmp_path / f"again-{number:02d}")
            verdict = "completed" if again.code == 0 else f"not completed: exit {again.code}"
            now = _target_state(emulator)
            rolled_back += 1
        else:
            completed += verdict == "completed"
        duplicates += sum(len(apps) - 1 for apps in now.values())
        ok = killed.killed and verdict == "completed" and now == promoted
        converged += ok
        if not ok:
            problems.append(
                f"{point.describe()} (exit {killed.code}, {landed} import(s) sent, "
                f"{len(moved)} app(s) moved): {verdict}; " + _explain("rerun", rerun)
            )
    figures.record(
        SUITE,
        "promote",
        f"{converged}/{len(anywhere) + len(held)} converged ({completed} completed,"
        f" {rolled_back} rolled back), {duplicates} duplicate apps ({unverified} killed"
        f" between an import and its verification, {half} left the target half-promoted)",
    )
    assert not problems, "\n\n".join(problems)


def _promotion_verdict(
    rerun: Finished, moved: list[str], original: State, promoted: State, now: State
) -> str:
    """What the apply after a kill did with the half-promoted target: "completed" (every
    app as a fault-free promotion leaves it, and the apps the kill had moved reported as
    already there or applied), "rolled back" (the result says so and those apps are as
    they were), or what is wrong."""
    try:
        apps = {a["target_name"]: a for a in json.loads(rerun.stdout)["result"]["apps"]}
    except (json.JSONDecodeError, KeyError):
        return f"no result: exit {rerun.code}"
    said = {name: app["outcome"] for name, app in apps.items()}
    rolled = [name for name, outcome in said.items() if outcome == "rolled back"]
    if rolled:
        back = all(now.get(name) == original.get(name) for name in rolled)
        return "rolled back" if back and rerun.code != 0 else f"rolled back, not restored: {said}"
    if rerun.code != 0:
        return f"exit {rerun.code}: {said}"
    if now != promoted:
        wrong = sorted(n for n in set(now) | set(promoted) if now.get(n) != promoted.get(n))
        return f"completed, but the target differs: {wrong}"
    unreported = [n for n in moved if said.get(n) not in ("unchanged", "applied")]
    return f"not reported: {unreported}" if unreported else "completed"
