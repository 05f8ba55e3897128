"""Applying a promotion plan through fake ports (reconcile.promotion.apply): every outcome
an app can have, what is (not) sent to the target, and no secret value in any result."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from dify_client.models import Import
from dsl import load_text
from reconcile.promotion.apply import apply_plan, may_confirm
from reconcile.promotion.plan import Action, PendingPolicy, PromotionOptions, PromotionPlan
from reconcile.promotion.planner import plan_promotion
from reconcile.promotion.ports import TargetError
from reconcile.promotion.result import Outcome, PromotionResult
from tests.reconcile.fake_target import FakeTarget
from tests.reconcile.promotion_fixtures import (
    SOURCE,
    TARGET,
    TARGET_SECRET,
    chat_app,
    match,
    secret_var,
    workflow_app,
)

Data = dict[str, Any]
NEW_PROMPT = "Summarise the ticket in one sentence: {{#start.ticket#}}"


def dump(data: Data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def planned(
    source: Data,
    target: Data | None,
    *,
    mode: str = "workflow",
    options: PromotionOptions | None = None,
) -> tuple[PromotionPlan, dict[str, str], dict[str, str]]:
    """(plan, source texts by name, the target's apps by id) for one app."""
    name = source["app"]["name"]
    source_text = dump(source)
    target_apps = {"t-1": dump(target)} if target is not None else {}
    plan = plan_promotion(
        SOURCE,
        TARGET,
        [match(name, mode, target_id="t-1" if target is not None else None)],
        {name: load_text(source_text)},
        {app_id: load_text(text) for app_id, text in target_apps.items()},
        options or PromotionOptions(),
    )
    return plan, {name: source_text}, target_apps


def run(
    source: Data,
    target: Data | None,
    *,
    mode: str = "workflow",
    options: PromotionOptions | None = None,
    **behaviour: Any,
) -> tuple[PromotionResult, FakeTarget, dict[str, str]]:
    """Plan one app, apply it to a fake target that behaves as told; also what the
    target held before."""
    plan, texts, before = planned(source, target, mode=mode, options=options)
    fake = FakeTarget(apps=dict(before), **behaviour)
    return apply_plan(fake, plan, texts), fake, before


def update_case(**behaviour: Any) -> tuple[PromotionResult, FakeTarget, dict[str, str]]:
    """A changed workflow over a target that holds a secret the source has blank."""
    source = workflow_app(prompt=NEW_PROMPT, env=[secret_var("API_KEY")])
    target = workflow_app(env=[secret_var("API_KEY", TARGET_SECRET)])
    return run(source, target, **behaviour)


def test_create_imports_a_new_app_and_verifies_it() -> None:
    result, fake, _ = run(workflow_app(), None)
    app = result.apps[0]
    assert (app.action, app.outcome) == (Action.CREATE, Outcome.APPLIED)
    assert app.message.startswith("created (new app (workflow, 3 nodes)); verified")
    assert app.app_id == "new-1" and "new-1" in fake.apps
    assert fake.methods() == ["import", "check", "export"]
    assert fake.calls[0].app_id is None and fake.calls[0].name == "Ticket Summary"
    assert result.ok


def test_update_imports_over_the_target_app_after_a_snapshot() -> None:
    result, fake, _ = update_case()
    app = result.apps[0]
    assert (app.action, app.outcome, app.app_id) == (Action.UPDATE, Outcome.APPLIED, "t-1")
    # On a server that cannot publish (no releaser), the result says what is left to do.
    assert app.message.endswith("; verified; imported as draft: publish it in Dify to go live")
    assert fake.methods() == ["export", "import", "check", "export"]
    assert [c.include_secret for c in fake.calls if c.method == "export"] == [True, False]
    assert fake.calls[1].app_id == "t-1"
    assert "one sentence" in fake.apps["t-1"]


def test_recreate_imports_a_new_app_beside_the_one_it_replaces() -> None:
    source = chat_app(pre_prompt="You are the front desk of a large hotel.")
    result, fake, before = run(
        source, chat_app(), mode="chat", options=PromotionOptions(recreate=True)
    )
    app = result.apps[0]
    assert (app.action, app.outcome) == (Action.RECREATE, Outcome.APPLIED)
    imported = next(c for c in fake.calls if c.method == "import")
    assert imported.app_id is None and imported.name == "Front Desk"
    assert app.app_id not in (None, "t-1") and fake.apps["t-1"] == before["t-1"]
    assert app.message.endswith("; retire the old app t-1 by hand")


@pytest.mark.parametrize(
    ("versions", "policy", "expected"),
    [
        (("0.6.0", "0.5.0"), "never", Outcome.PENDING),
        (("0.6.0", "0.5.0"), "minor", Outcome.APPLIED),  # one major version: confirmed
        (("0.6.0", "0.5.0"), "always", Outcome.APPLIED),
        (("1.0.0", "0.6.0"), "minor", Outcome.PENDING),  # a major version apart
        (("1.0.0", "0.6.0"), "always", Outcome.APPLIED),
        (("latest", "0.6.0"), "minor", Outcome.PENDING),  # no version to compare
    ],
)
def test_a_pending_import_is_confirmed_only_under_the_policy(
    versions: tuple[str, str], policy: PendingPolicy, expected: Outcome
) -> None:
    options = PromotionOptions(confirm_pending=policy)
    result, fake, before = update_case(options=options, pending=versions)
    app = result.apps[0]
    assert app.outcome == expected, app.message
    if expected == Outcome.PENDING:
        assert "confirm" not in fake.methods() and fake.apps == before
        assert app.message.startswith(
            f"waiting for a decision: the DSL is version {versions[0]} and the server runs "
            f"{versions[1]}; nothing was imported"
        )
        assert "plan again with the confirm-pending policy minor or always" in app.message
        assert "--" not in app.message  # no command-line wording in reconcile
    else:
        assert app.import_status == "pending, confirmed: completed"
        assert "check" not in fake.methods()  # Dify forgets dependencies on a confirm
        assert "plugin dependencies cannot be checked after a confirmed import" in app.attention


@pytest.mark.parametrize(
    ("imported", "current", "policy", "allowed"),
    [
        (None, "0.6.0", "minor", True),  # no version: Dify's default, 0.1.0
        (None, "1.0.0", "minor", False),
        ("0.6.0", None, "minor", True),
        ("2.0.0", "2.1.0", "never", False),
        ("9.0.0", "0.1.0", "always", True),
    ],
)
def test_may_confirm(
    imported: str | None, current: str | None, policy: PendingPolicy, allowed: bool
) -> None:
    answer = Import(
        id="i", status="pending", imported_dsl_version=imported, current_dsl_version=current
    )
    assert may_confirm(policy, answer) is allowed


def test_a_refused_import_fails_with_difys_reason_and_nothing_else_is_done() -> None:
    result, fake, before = update_case(refuse="Missing workflow")
    app = result.apps[0]
    assert (app.outcome, app.message) == (
        Outcome.FAILED,
        "Dify refused the import: Missing workflow",
    )
    assert app.import_status == "failed"
    assert fake.methods() == ["export", "import"] and fake.apps == before
    assert not result.ok


def test_a_failed_confirm_fails_the_app() -> None:
    options = PromotionOptions(confirm_pending="always")
    result, fake, before = update_case(
        options=options, pending=("0.6.0", "0.5.0"), confirm_error="Import expired"
    )
    app = result.apps[0]
    assert (app.outcome, app.message) == (
        Outcome.FAILED,
        "confirming the import failed: Import expired",
    )
    assert app.import_status == "pending, confirmed: failed"
    assert fake.apps == before


def test_missing_plugins_under_warn_are_reported_and_the_app_applied() -> None:
    result, _, _ = update_case(missing=["langgenius/cohere"])
    app = result.apps[0]
    assert app.outcome == Outcome.APPLIED and app.leaked_plugins == ["langgenius/cohere"]
    assert app.message.endswith(
        "; verified; plugins missing in the target: langgenius/cohere"
        "; imported as draft: publish it in Dify to go live"
    )


def test_missing_plugins_under_fail_roll_the_app_back() -> None:
    options = PromotionOptions(dependencies="fail")
    result, fake, before = update_case(options=options, missing=["langgenius/cohere"])
    app = result.apps[0]
    assert app.outcome == Outcome.ROLLED_BACK
    assert app.message == (
        "plugins missing in the target: langgenius/cohere; rolled back to the DSL it had before"
    )
    # No verification of the import; the rollback is verified against the snapshot.
    assert fake.methods() == ["export", "import", "check", "import", "export"]
    assert fake.apps == before


def test_missing_plugins_under_fail_leave_a_new_app_to_delete_by_hand() -> None:
    options = PromotionOptions(dependencies="fail")
    result, _, _ = run(workflow_app(), None, options=options, missing=["langgenius/cohere"])
    app = result.apps[0]
    assert app.outcome == Outcome.FAILED
    assert app.message.endswith(
        "; the new app new-1 cannot be deleted through the API: delete it by hand"
    )


def test_a_verification_mismatch_rolls_back_to_the_exact_snapshot() -> None:
    result, fake, before = update_case(tamper=True)
    app = result.apps[0]
    assert app.outcome == Outcome.ROLLED_BACK
    assert app.message.startswith("verification failed: the target differs from what was sent")
    assert app.message.endswith("; rolled back to the DSL it had before")
    assert fake.imported_texts()[-1] == before["t-1"]
    assert fake.apps == before  # byte for byte, secrets included


def test_a_rollback_held_pending_is_confirmed() -> None:
    options = PromotionOptions(confirm_pending="always")
    result, fake, before = update_case(options=options, pending=("0.6.0", "0.5.0"), tamper=True)
    assert result.apps[0].outcome == Outcome.ROLLED_BACK, result.apps[0].message
    assert fake.methods()[-3:] == ["import", "confirm", "export"]
    assert fake.apps == before


@pytest.mark.parametrize(
    ("rollback", "reason"), [("fails", "Rollback refused"), ("raises", "the server is gone")]
)
def test_a_failed_rollback_says_so_and_where_to_restore_from(rollback: str, reason: str) -> None:
    result, _, _ = update_case(tamper=True, rollback=rollback)
    app = result.apps[0]
    assert app.outcome == Outcome.ROLLBACK_FAILED and not result.ok
    assert app.message.startswith("verification failed:")
    assert app.message.endswith(
        f"; ROLLBACK FAILED ({reason}): restore Ticket Summary from the backup"
    )
    assert TARGET_SECRET not in result.model_dump_json()


def test_a_rollback_that_stores_something_else_is_a_failed_rollback() -> None:
    result, fake, before = update_case(tamper=True, tamper_rollback=True)
    app = result.apps[0]
    assert app.outcome == Outcome.ROLLBACK_FAILED and not result.ok
    assert "rolled back to" not in app.message
    assert app.message.startswith("verification failed:")
    assert "the target app now differs from its pre-promotion snapshot" in app.message
    assert app.message.endswith(": restore Ticket Summary from the backup")
    assert fake.methods()[-2:] == ["import", "export"]  # the rollback was read back
    assert fake.apps != before
    assert result.summary() == "1 rollback failed"
    assert TARGET_SECRET not in result.model_dump_json()


def test_a_rollback_that_loses_a_secret_is_a_failed_rollback() -> None:
    class LosesSecrets(FakeTarget):
        def import_(self, text: str, *, app_id: str | None, name: str | None) -> Import:
            answer = super().import_(text, app_id=app_id, name=name)
            if self._imports > 1 and app_id is not None:
                self.apps[app_id] = self.apps[app_id].replace(TARGET_SECRET, "")
            return answer

    plan, texts, before = planned(
        workflow_app(prompt=NEW_PROMPT, env=[secret_var("API_KEY")]),
        workflow_app(env=[secret_var("API_KEY", TARGET_SECRET)]),
    )
    app = apply_plan(LosesSecrets(apps=dict(before), tamper=True), plan, texts).apps[0]
    assert app.outcome == Outcome.ROLLBACK_FAILED
    assert "secret environment values differ" in app.message
    assert TARGET_SECRET not in app.message


def test_a_target_changed_since_the_plan_imports_nothing() -> None:
    plan, texts, _ = planned(workflow_app(prompt=NEW_PROMPT), workflow_app())
    fake = FakeTarget(apps={"t-1": dump(workflow_app(prompt="Edited in the target"))})
    app = apply_plan(fake, plan, texts).apps[0]
    assert app.outcome == Outcome.FAILED
    assert app.message == (
        "the target app changed since the plan was made; nothing was imported "
        "(plan again to see the new difference)"
    )
    assert fake.methods() == ["export"]


def test_the_targets_secrets_are_imported_and_never_reported() -> None:
    for result, fake, _ in (update_case(), update_case(tamper=True)):
        sent = load_text(fake.imported_texts()[0]).data
        [variable] = sent["workflow"]["environment_variables"]
        assert variable["value"] == TARGET_SECRET  # kept, not blanked by the source
        assert TARGET_SECRET not in result.model_dump_json()
        assert result.apps[0].follow_ups == []


def test_a_failed_call_is_reported_with_its_kind_and_message() -> None:
    class Unreachable(FakeTarget):
        def export(self, app_id: str, *, include_secret: bool) -> str:
            raise TargetError("connection refused", kind="DifyConnectionError")

    plan, texts, before = planned(workflow_app(prompt=NEW_PROMPT), workflow_app())
    app = apply_plan(Unreachable(apps=before), plan, texts).apps[0]
    assert (app.outcome, app.message) == (
        Outcome.FAILED,
        "DifyConnectionError: connection refused",
    )


def test_unchanged_and_blocked_apps_touch_nothing_and_results_keep_the_plan_order() -> None:
    unchanged, texts, apps = planned(workflow_app(), workflow_app())
    blocked, more_texts, _ = planned(
        chat_app(pre_prompt="Something else."), chat_app(), mode="chat"
    )
    plan = unchanged.model_copy(update={"apps": [blocked.apps[0], unchanged.apps[0]]})
    seen: list[str] = []

    def each(apply_one: Any, planned_apps: Any) -> list[Any]:
        seen.extend(a.name for a in planned_apps)
        return [apply_one(a) for a in planned_apps]

    fake = FakeTarget(apps=apps)
    result = apply_plan(fake, plan, {**texts, **more_texts}, each=each)
    assert [(a.name, a.outcome) for a in result.apps] == [
        ("Front Desk", Outcome.BLOCKED),
        ("Ticket Summary", Outcome.UNCHANGED),
    ]
    assert seen == ["Front Desk", "Ticket Summary"] and fake.calls == []
    assert result.apps[0].message == blocked.apps[0].reason
    assert result.ok
