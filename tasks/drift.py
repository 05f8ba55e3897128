"""The drift check's side effects: read both sides, compare them as a promotion plan
would, and look up since when each drifted desired app is as it is. Writes nothing."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from prefect import task

from gitstore import GitStore
from jobs import DriftRequest, GitSide, WorkspaceSide
from reconcile.drift import DriftReport, Since, drift_report
from reconcile.promotion.plan import Action
from tasks.promotion.compare import Compared, compare_sides


@task(name="check-drift")
def check_drift_task(request: DriftRequest) -> DriftReport:
    """Compare the live workspace with its desired state, app by app."""
    promotion = request.promotion()
    with ExitStack() as stack:
        compared = compare_sides(stack, promotion)
    since = _since(compared, request.desired)
    return drift_report(compared.plan, compared.target.apps, promotion.selection, since)


def _since(compared: Compared, desired: WorkspaceSide | GitSide) -> dict[str, Since]:
    """By desired app name, for the apps that drifted: the version they are compared with."""
    names = [app.name for app in compared.plan.apps if app.action is not Action.UNCHANGED]
    if not isinstance(desired, GitSide):
        updated = compared.source.updated
        return {name: Since(date=updated[name]) for name in names if name in updated}
    commit = compared.plan.source.commit
    found: dict[str, Since] = {}
    with GitStore.open(Path(desired.repo), create=False) as store:
        for name in names:
            path = compared.source.paths.get(name)
            history = store.log(path, ref=commit, max_count=1) if path else []
            if history:
                last = history[0]
                found[name] = Since(commit=last.sha, date=last.date, subject=last.subject)
    return found
