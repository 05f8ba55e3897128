"""Which apps of a workspace a smoke check runs: the ones its cases name. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reconcile.smoke.cases import SmokeCase, SmokeCases


@dataclass(frozen=True)
class WorkspaceApp:
    """An app as the workspace lists it."""

    name: str
    app_id: str
    mode: str


@dataclass(frozen=True)
class SmokeTarget:
    """An app to run, and its cases."""

    app: WorkspaceApp
    cases: Sequence[SmokeCase]


def select(
    cases: SmokeCases, apps: Iterable[WorkspaceApp], *, asked: Sequence[str] = ()
) -> tuple[list[SmokeTarget], dict[str, str]]:
    """(apps to run with their cases, in the cases' order; names that cannot be run → why).

    Apps are matched by exact name; a name several apps share is refused rather than
    guessed. `asked` names the apps to run (default: every app with cases)."""
    by_name: dict[str, list[WorkspaceApp]] = {}
    for app in apps:
        by_name.setdefault(app.name, []).append(app)
    missing = {name: "no smoke cases for it" for name in asked if name not in cases}
    targets = []
    for name, app_cases in cases.items():
        if asked and name not in asked:
            continue
        found = by_name.get(name, [])
        if len(found) == 1:
            targets.append(SmokeTarget(found[0], app_cases))
        elif found:
            ids = ", ".join(app.app_id for app in found)
            missing[name] = f"several apps have this name ({ids}); rename all but one"
        else:
            missing[name] = "the workspace has no app of this name"
    return targets, missing
