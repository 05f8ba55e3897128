"""Applying a promotion plan, app by app, so one app's failure never leaves another half-done.

For each app that changes: snapshot the target (with secrets, held only in memory), import
the source with the target's secrets kept, confirm a pending import only under the chosen
policy, check plugin dependencies, then export the target and compare it with what was
sent. A mismatch, or a dependency failure under `fail`, rolls the app back to its snapshot;
so do failed smoke cases under the `rollback` smoke policy (reconcile.promotion.smoke_gate).

Pure apart from the target port (reconcile.promotion.ports): the caller decides how apps
run side by side, through `each`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence

from dify_client.models import Import
from dsl import DEFAULT_DSL_VERSION, DslError, canonical_text, diff_documents, load_text
from dsl.compat import is_minor_step
from dsl.graph import environment_variables
from reconcile.promotion.plan import CHANGING, Action, PendingPolicy, PlannedApp, PromotionPlan
from reconcile.promotion.ports import ApplyProgress, PromotionTarget, Releaser, TargetError
from reconcile.promotion.publish_gate import (
    GRAPH_MODES,
    PublishFailed,
    publish_verified,
    restore_secrets,
    rollback_live,
    wants_publish,
)
from reconcile.promotion.result import AppResult, Outcome, PromotionResult
from reconcile.promotion.smoke_gate import smoke_problem
from reconcile.promotion.view import comparable, view_hash, with_target_secrets
from reconcile.smoke.ports import AppRunner

logger = logging.getLogger("difyops.promote")

# Runs the per-app function over the plan's apps and gives the results in the same order
# (the task layer passes a bounded thread pool's `map`).
EachApp = Callable[[Callable[[PlannedApp], AppResult], Sequence[PlannedApp]], Iterable[AppResult]]


def _one_after_another(
    apply_one: Callable[[PlannedApp], AppResult], apps: Sequence[PlannedApp]
) -> Iterable[AppResult]:
    return [apply_one(app) for app in apps]


class _AppFailed(Exception):
    """Ends one app's apply with an outcome and a message."""

    def __init__(self, outcome: Outcome, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message


def apply_plan(
    target: PromotionTarget,
    plan: PromotionPlan,
    source_texts: Mapping[str, str],
    *,
    each: EachApp = _one_after_another,
    runner: AppRunner | None = None,
    releaser: Releaser | None = None,
    progress: ApplyProgress | None = None,
) -> PromotionResult:
    """Apply every changing app of the plan; the others are reported as planned. With a
    `runner`, each app's smoke cases run on the target once it is imported and verified;
    with a `releaser` (a server that can publish), the verified draft is published under
    the plan's policy (reconcile.promotion.publish_gate). `progress` hears of each
    changing app as it starts and ends."""

    def one(app: PlannedApp) -> AppResult:
        if app.action not in CHANGING:
            return apply_app(target, plan, app, "", runner=runner, releaser=releaser)
        # Only changing apps have (and need) a source text.
        if progress is not None:
            progress.started(app)
        text = source_texts[app.name]
        result = apply_app(target, plan, app, text, runner=runner, releaser=releaser)
        if progress is not None:
            progress.finished(result)
        return result

    return PromotionResult(checksum=plan.checksum, apps=list(each(one, plan.apps)))


def apply_app(
    target: PromotionTarget,
    plan: PromotionPlan,
    app: PlannedApp,
    source_text: str,
    *,
    runner: AppRunner | None = None,
    releaser: Releaser | None = None,
) -> AppResult:
    """One app of the plan: imported, confirmed, checked, verified and (where the server
    can) published, or rolled back."""
    if app.action not in CHANGING:
        outcome = Outcome.BLOCKED if app.action == Action.BLOCKED else Outcome.UNCHANGED
        return _result(app, outcome, app.reason or app.summary)
    result = _result(app, Outcome.APPLIED, "")
    try:
        _import_and_verify(target, plan, app, source_text, result, runner, releaser)
    except _AppFailed as failure:
        result.outcome, result.message = failure.outcome, failure.message
    except TargetError as exc:
        result.outcome, result.message = Outcome.FAILED, exc.described()
    except DslError as exc:
        result.outcome, result.message = Outcome.FAILED, f"{type(exc).__name__}: {exc}"
    logger.info("promotion of %s: %s", app.name, result.outcome.value)
    return result


def _import_and_verify(
    target: PromotionTarget,
    plan: PromotionPlan,
    app: PlannedApp,
    source_text: str,
    result: AppResult,
    runner: AppRunner | None,
    releaser: Releaser | None,
) -> None:
    source = load_text(source_text, source=f"source:{app.name}")
    snapshot: str | None = None
    current = None
    live_before: str | None = None
    # The releaser, when this app may go live; None when only its draft is replaced.
    publisher = releaser if wants_publish(releaser, plan, app) else None
    if app.action == Action.UPDATE:
        snapshot = current = _snapshot(target, app)
        if publisher is not None:
            assert app.target_id is not None
            live_before = publisher.live_version(app.target_id)
    elif app.action == Action.RECREATE and app.target_id:
        # The new app takes the place of the old one: it inherits its secrets too.
        current = target.export(app.target_id, include_secret=True)
    merged, result.follow_ups = with_target_secrets(
        source.data, load_text(current).data if current else None
    )
    # Unless secrets were filled in, the source's own text is what gets imported.
    text = source_text if merged == source.data else canonical_text(merged)
    imported = _import(target, plan.options.confirm_pending, app, text, result)
    result.app_id = imported.app_id
    problem = _dependency_problem(target, plan, imported, result)
    problem = problem or _verification_problem(target, app, merged, imported)
    if problem:
        raise _undo(target, app, imported, snapshot, problem)
    result.message = _applied_message(app, result)
    smoke_failure = smoke_problem(runner, plan, app, imported.app_id, result)
    if smoke_failure:
        raise _undo(target, app, imported, snapshot, smoke_failure)
    if publisher is not None and result.smoke_failed:
        # Kept under the `report` smoke policy, but a draft that failed its cases never
        # goes live, whatever the publish policy.
        result.message += "; not published: its smoke cases failed"
    elif publisher is not None:
        _publish(target, publisher, plan, app, merged, imported, snapshot, live_before, result)
    elif app.mode in GRAPH_MODES and "publish it" not in result.message:
        result.message += "; imported as draft: publish it in Dify to go live"


def _publish(
    target: PromotionTarget,
    releaser: Releaser,
    plan: PromotionPlan,
    app: PlannedApp,
    sent: dict[str, object],
    imported: Import,
    snapshot: str | None,
    live_before: str | None,
    result: AppResult,
) -> None:
    """Publish the verified draft and verify the live version; on a failure, put back the
    version that was live before (then the draft, from the snapshot)."""
    assert imported.app_id is not None
    app_id = imported.app_id
    try:
        restore_secrets(releaser, app_id, sent, result)
        version = publish_verified(releaser, plan, app_id, result, live_before=live_before)
        if version is None:
            return
        stored = load_text(releaser.export_version(app_id, version), source="published")
        diff = diff_documents(comparable(sent, name=app.target_name), comparable(stored.data))
        if not diff.is_empty:
            raise PublishFailed(
                f"the published version differs from what was sent ({diff.summary()})"
            )
    except (PublishFailed, TargetError) as failure:
        if result.published_version is None:
            # The publish call itself failed: nothing went live, only the draft changed.
            raise _undo(target, app, imported, snapshot, f"publishing failed: {failure}") from None
        try:
            what = rollback_live(releaser, app_id, live_before)
        except TargetError as exc:
            raise _AppFailed(
                Outcome.FAILED,
                f"{failure}; ROLLBACK OF THE LIVE VERSION FAILED ({exc}): publish "
                f"{live_before or 'a good version'} of {app.target_name} in the console",
            ) from None
        undone = _undo(target, app, imported, snapshot, f"{failure}; {what}")
        if live_before is None:
            # Nothing to go back to: the wrong version stays live, which is no rollback.
            undone.outcome = Outcome.FAILED
        else:
            result.published_version = None
        raise undone from None
    result.message += f"; published as version {version}"


def _snapshot(target: PromotionTarget, app: PlannedApp) -> str:
    """The target's current DSL, with secrets, checked against what the plan saw."""
    assert app.target_id is not None
    text = target.export(app.target_id, include_secret=True)
    if view_hash(comparable(load_text(text).data)) != app.target_hash:
        raise _AppFailed(
            Outcome.FAILED,
            "the target app changed since the plan was made; nothing was imported "
            "(plan again to see the new difference)",
        )
    return text


def _import(
    target: PromotionTarget, policy: PendingPolicy, app: PlannedApp, text: str, result: AppResult
) -> Import:
    overwrite = app.target_id if app.action == Action.UPDATE else None
    try:
        answer = target.import_(text, app_id=overwrite, name=app.target_name)
    except TargetError as exc:
        if not exc.maybe_applied:
            raise
        return _read_back(target, app, text, exc, result)
    result.import_status = answer.status
    if answer.is_failed:
        raise _AppFailed(Outcome.FAILED, f"Dify refused the import: {answer.error or 'no reason'}")
    if not answer.is_pending:
        return answer
    if not may_confirm(policy, answer):
        raise _AppFailed(
            Outcome.PENDING,
            f"waiting for a decision: the DSL is version {answer.imported_dsl_version} and "
            f"the server runs {answer.current_dsl_version}; nothing was imported. To import it, "
            "plan again with the confirm-pending policy minor or always, review, and apply "
            "(Dify keeps a pending import only 10 minutes, so difyops confirms at once or "
            "not at all)",
        )
    try:
        confirmed = target.confirm(answer.id)
    except TargetError as exc:
        if not exc.maybe_applied:
            raise
        return _read_back(target, app, text, exc, result)
    result.import_status = f"pending, confirmed: {confirmed.status}"
    if not confirmed.is_completed:
        raise _AppFailed(
            Outcome.FAILED, f"confirming the import failed: {confirmed.error or 'no reason'}"
        )
    return confirmed


def _read_back(
    target: PromotionTarget, app: PlannedApp, text: str, failure: TargetError, result: AppResult
) -> Import:
    """After an import (or confirm) that got no answer, though the server may have applied
    it: the target is read back, and the app that holds what was sent counts as imported
    (verified and the rest as usual); when none does, the app failed."""
    sent = comparable(load_text(text, source=f"sent:{app.name}").data, name=app.target_name)
    if app.action == Action.UPDATE:
        assert app.target_id is not None
        candidates = [app.target_id]
    else:
        # A new app: the one of its name that was not there before.
        candidates = [i for i in target.app_ids_named(app.target_name) if i != app.target_id]
    unchanged = False
    for app_id in candidates:
        stored = comparable(load_text(target.export(app_id, include_secret=False)).data)
        if diff_documents(sent, stored).is_empty:
            result.import_status = "no answer; read back: applied"
            result.attention.append(
                f"the import got no answer ({failure.described()}); reading the target back "
                "showed it was applied"
            )
            return Import(id="unanswered", status="completed", app_id=app_id)
        unchanged = unchanged or view_hash(stored) == app.target_hash
    result.import_status = "no answer; read back: not applied"
    if app.action == Action.UPDATE and not unchanged:
        raise _AppFailed(
            Outcome.FAILED,
            f"{failure.described()}; read back, the target app holds neither what was sent "
            f"nor what it had before: check {app.target_name}, or restore it from the backup",
        )
    raise _AppFailed(
        Outcome.FAILED,
        f"{failure.described()}; read back, the target does not hold what was sent: "
        "the import was not applied",
    )


def may_confirm(policy: PendingPolicy, answer: Import) -> bool:
    """Whether a pending import may be confirmed: `always`, `never`, or under `minor` when
    the versions share their major version (dsl.compat). A DSL or server that states no
    version is at Dify's default."""
    if policy == "always":
        return True
    if policy == "never":
        return False
    return is_minor_step(
        answer.imported_dsl_version or DEFAULT_DSL_VERSION,
        answer.current_dsl_version or DEFAULT_DSL_VERSION,
    )


def _dependency_problem(
    target: PromotionTarget, plan: PromotionPlan, imported: Import, result: AppResult
) -> str | None:
    """Leaked plugins are recorded; under the `fail` policy they are a problem."""
    if imported.app_id is None:
        return None
    if result.import_status and result.import_status.startswith("pending"):
        # Dify records an import's dependencies only for direct imports, not confirms.
        result.attention.append("plugin dependencies cannot be checked after a confirmed import")
        return None
    result.leaked_plugins = target.missing_plugins(imported.app_id)
    if result.leaked_plugins and plan.options.dependencies == "fail":
        return "plugins missing in the target: " + ", ".join(result.leaked_plugins)
    return None


def _verification_problem(
    target: PromotionTarget, app: PlannedApp, sent: dict[str, object], imported: Import
) -> str | None:
    """Export the target and compare it with what was sent."""
    assert imported.app_id is not None
    exported = target.export(imported.app_id, include_secret=False)
    stored = load_text(exported, source=f"target:{app.target_name}")
    diff = diff_documents(comparable(sent, name=app.target_name), comparable(stored.data))
    if diff.is_empty:
        return None
    return f"verification failed: the target differs from what was sent ({diff.summary()})"


def _undo(
    target: PromotionTarget,
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
        restored = target.import_(snapshot, app_id=app.target_id, name=None)
        if restored.is_pending:
            restored = target.confirm(restored.id)
        reason = restored.error or restored.status
    except TargetError as exc:
        reason = str(exc)
        if exc.maybe_applied and _rollback_read_back(target, app, snapshot):
            return _AppFailed(
                Outcome.ROLLED_BACK,
                f"{problem}; rolled back to the DSL it had before (the rollback got no "
                "answer; reading the target back showed it was applied)",
            )
    if restored is None or not restored.is_completed:
        return _AppFailed(
            Outcome.ROLLBACK_FAILED,
            f"{problem}; ROLLBACK FAILED ({reason}): restore {app.target_name} from the backup",
        )
    # Verified like the apply: a rollback that stored something else is no rollback.
    try:
        mismatch = _rollback_mismatch(target, app, snapshot)
    except TargetError as exc:
        mismatch = f"it could not be read back: {exc.described()}"
    if mismatch:
        return _AppFailed(
            Outcome.ROLLBACK_FAILED,
            f"{problem}; ROLLBACK FAILED: the target app now differs from its pre-promotion "
            f"snapshot ({mismatch}): restore {app.target_name} from the backup",
        )
    return _AppFailed(Outcome.ROLLED_BACK, f"{problem}; rolled back to the DSL it had before")


def _rollback_read_back(target: PromotionTarget, app: PlannedApp, snapshot: str) -> bool:
    """Whether an unanswered rollback import was applied all the same."""
    try:
        return _rollback_mismatch(target, app, snapshot) is None
    except TargetError:
        return False


def _rollback_mismatch(target: PromotionTarget, app: PlannedApp, snapshot: str) -> str | None:
    """What differs between the target after a rollback and its snapshot (None: nothing)."""
    assert app.target_id is not None
    exported = target.export(app.target_id, include_secret=True)
    try:
        stored = load_text(exported, source=f"target:{app.target_name}").data
    except DslError as exc:
        return f"its export cannot be read: {exc}"
    before = load_text(snapshot).data
    diff = diff_documents(comparable(before), comparable(stored))
    if not diff.is_empty:
        return diff.summary()
    if _secret_values(before) != _secret_values(stored):
        return "secret environment values differ"  # never the values themselves
    return None


def _secret_values(data: Mapping[str, object]) -> dict[str, object]:
    return {
        str(v.get("name")): v.get("value")
        for v in environment_variables(data)
        if v.get("value_type") == "secret"
    }


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
