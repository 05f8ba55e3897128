"""Applying a promotion plan, app by app, so one app's failure never leaves another half-done.

For each app that changes: snapshot the target (with secrets, held only in memory), import
the source with the target's secrets kept, confirm a pending import only under the chosen
policy, check plugin dependencies, then export the target and compare it with what was
sent. A mismatch, or a dependency failure under `fail`, rolls the app back to its snapshot.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from packaging.version import InvalidVersion, Version

from dify_client import DifyClient, DifyError
from dify_client.models import Import
from dsl import DslError, canonical_text, diff_documents, load_text
from reconcile.promotion.plan import CHANGING, Action, PlannedApp, PromotionPlan
from reconcile.promotion.result import AppResult, Outcome, PromotionResult
from reconcile.promotion.view import comparable, view_hash, with_target_secrets

logger = logging.getLogger("difyops.promote")


class _AppFailed(Exception):
    """Ends one app's apply with an outcome and a message."""

    def __init__(self, outcome: Outcome, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message


def apply_plan(
    client: DifyClient,
    plan: PromotionPlan,
    source_texts: dict[str, str],
    *,
    concurrency: int = 4,
) -> PromotionResult:
    """Apply every changing app of the plan; apps are independent of one another, so
    they run side by side (bounded), and results keep the plan's order."""
    workspace_id = plan.target.workspace_id or ""

    def one(app: PlannedApp) -> AppResult:
        if app.action not in CHANGING:
            outcome = Outcome.BLOCKED if app.action == Action.BLOCKED else Outcome.UNCHANGED
            return _result(app, outcome, app.reason or app.summary)
        return _apply_one(client, workspace_id, plan, app, source_texts[app.name])

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, plan.apps))
    return PromotionResult(checksum=plan.checksum, apps=results)


def _apply_one(
    client: DifyClient, workspace_id: str, plan: PromotionPlan, app: PlannedApp, source_text: str
) -> AppResult:
    result = _result(app, Outcome.APPLIED, "")
    snapshot: str | None = None
    try:
        source = load_text(source_text, source=f"source:{app.name}")
        current = None
        if app.action == Action.UPDATE:
            snapshot = current = _snapshot(client, app)
        elif app.action == Action.RECREATE and app.target_id:
            # The new app takes the place of the old one: it inherits its secrets too.
            current = client.dsl.export(app.target_id, include_secret=True)
        merged, result.follow_ups = with_target_secrets(
            source.data, load_text(current).data if current else None
        )
        # Unless secrets were filled in, the source's own text is what gets imported.
        text = source_text if merged == source.data else canonical_text(merged)
        imported = _import(client, workspace_id, plan, app, text, result)
        result.app_id = imported.app_id
        problem = _dependency_problem(client, plan, imported, result) or _verification_problem(
            client, app, merged, imported
        )
        if problem:
            raise _undo(client, workspace_id, app, imported, snapshot, problem)
        result.message = _applied_message(app, result)
    except _AppFailed as failure:
        result.outcome, result.message = failure.outcome, failure.message
    except (DifyError, DslError) as exc:
        result.outcome, result.message = Outcome.FAILED, f"{type(exc).__name__}: {exc}"
    logger.info("promotion of %s: %s", app.name, result.outcome.value)
    return result


def _undo(
    client: DifyClient,
    workspace_id: str,
    app: PlannedApp,
    imported: Import,
    snapshot: str | None,
    problem: str,
) -> _AppFailed:
    """The failure to report after an imported app turned out wrong: rolled back to its
    snapshot when there is one, else (a new app) left for a person to delete."""
    if snapshot is None:
        return _AppFailed(
            Outcome.FAILED,
            f"{problem}; the new app {imported.app_id} cannot be deleted through the API: "
            "delete it by hand",
        )
    assert app.target_id is not None
    restored: Import | None = None
    try:
        restored = client.dsl.import_(workspace_id, yaml_content=snapshot, app_id=app.target_id)
        if restored.is_pending:
            restored = client.dsl.confirm(workspace_id, restored.id)
        reason = restored.error or restored.status
    except DifyError as exc:
        reason = str(exc)
    if restored is None or not restored.is_completed:
        return _AppFailed(
            Outcome.FAILED,
            f"{problem}; ROLLBACK FAILED ({reason}): restore {app.target_name} from the "
            "backup with `difyops restore`",
        )
    return _AppFailed(Outcome.ROLLED_BACK, f"{problem}; rolled back to the DSL it had before")


def _snapshot(client: DifyClient, app: PlannedApp) -> str:
    """The target's current DSL, with secrets, checked against what the plan saw."""
    assert app.target_id is not None
    text = client.dsl.export(app.target_id, include_secret=True)
    if view_hash(comparable(load_text(text).data)) != app.target_hash:
        raise _AppFailed(
            Outcome.FAILED,
            "the target app changed since the plan was made; nothing was imported "
            "(plan again to see the new difference)",
        )
    return text


def _import(
    client: DifyClient,
    workspace_id: str,
    plan: PromotionPlan,
    app: PlannedApp,
    text: str,
    result: AppResult,
) -> Import:
    overwrite = app.target_id if app.action == Action.UPDATE else None
    answer = client.dsl.import_(
        workspace_id, yaml_content=text, app_id=overwrite, name=app.target_name
    )
    result.import_status = answer.status
    if answer.is_failed:
        raise _AppFailed(Outcome.FAILED, f"Dify refused the import: {answer.error or 'no reason'}")
    if not answer.is_pending:
        return answer
    if not _may_confirm(plan.options.confirm_pending, answer):
        raise _AppFailed(
            Outcome.PENDING,
            f"waiting for a decision: the DSL is version {answer.imported_dsl_version} and "
            f"the server runs {answer.current_dsl_version}; nothing was imported. To import it, "
            "plan again with --confirm-pending minor or always, review, and apply (Dify keeps "
            "a pending import only 10 minutes, so difyops confirms at once or not at all)",
        )
    confirmed = client.dsl.confirm(workspace_id, answer.id)
    result.import_status = f"pending, confirmed: {confirmed.status}"
    if not confirmed.is_completed:
        raise _AppFailed(
            Outcome.FAILED, f"confirming the import failed: {confirmed.error or 'no reason'}"
        )
    return confirmed


def _may_confirm(policy: str, answer: Import) -> bool:
    if policy == "always":
        return True
    if policy == "never":
        return False
    try:
        imported = Version(answer.imported_dsl_version or "0.1.0")
        current = Version(answer.current_dsl_version or "0.1.0")
    except InvalidVersion:
        return False
    return imported.major == current.major


def _dependency_problem(
    client: DifyClient, plan: PromotionPlan, imported: Import, result: AppResult
) -> str | None:
    """Leaked plugins are recorded; under the `fail` policy they are a problem."""
    if imported.app_id is None:
        return None
    if result.import_status and result.import_status.startswith("pending"):
        # Dify records an import's dependencies only for direct imports, not confirms.
        result.attention.append("plugin dependencies cannot be checked after a confirmed import")
        return None
    result.leaked_plugins = [dep.plugin for dep in client.dsl.check_dependencies(imported.app_id)]
    if result.leaked_plugins and plan.options.dependencies == "fail":
        return "plugins missing in the target: " + ", ".join(result.leaked_plugins)
    return None


def _verification_problem(
    client: DifyClient, app: PlannedApp, sent: dict[str, object], imported: Import
) -> str | None:
    """Export the target and compare it with what was sent."""
    assert imported.app_id is not None
    stored = load_text(client.dsl.export(imported.app_id), source=f"target:{app.target_name}")
    diff = diff_documents(comparable(sent, name=app.target_name), comparable(stored.data))
    if diff.is_empty:
        return None
    return f"verification failed: the target differs from what was sent ({diff.summary()})"


def _applied_message(app: PlannedApp, result: AppResult) -> str:
    verb = {Action.CREATE: "created", Action.UPDATE: "updated", Action.RECREATE: "recreated"}
    message = f"{verb.get(app.action, 'applied')} ({app.summary}); verified"
    if result.leaked_plugins:
        message += "; plugins missing in the target: " + ", ".join(result.leaked_plugins)
    if app.action == Action.RECREATE:
        message += f"; retire the old app {app.target_id} by hand"
    return message


def _result(app: PlannedApp, outcome: Outcome, message: str) -> AppResult:
    return AppResult(
        name=app.name,
        target_name=app.target_name,
        action=app.action,
        outcome=outcome,
        app_id=app.target_id,
        message=message,
        follow_ups=list(app.follow_ups),
        attention=list(app.attention),
    )
