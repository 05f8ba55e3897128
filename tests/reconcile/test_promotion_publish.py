"""Publishing in a promotion's apply (reconcile.promotion.publish_gate) through fakes:
each policy, and a failure at each step leaving the target's draft and live version as
they were before."""

from __future__ import annotations

from typing import Any

from dsl import load_text
from reconcile.promotion.apply import apply_plan
from reconcile.promotion.plan import PromotionOptions, PublishPolicy
from reconcile.promotion.publish_gate import version_name
from reconcile.promotion.result import Outcome, PromotionResult
from reconcile.promotion.view import comparable
from tests.reconcile.fake_releaser import FakeReleaser
from tests.reconcile.fake_target import FakeTarget
from tests.reconcile.promotion_fixtures import TARGET_SECRET, chat_app, secret_var, workflow_app
from tests.reconcile.test_promotion_apply import NEW_PROMPT, planned


def promote(
    publish: PublishPolicy = "always",
    *,
    source: dict[str, Any] | None = None,
    target: dict[str, Any] | None = None,
    mode: str = "workflow",
    **behaviour: Any,
) -> tuple[PromotionResult, FakeTarget, FakeReleaser, dict[str, str]]:
    """Promote a changed workflow over a target whose draft is also its live version."""
    source = source or workflow_app(prompt=NEW_PROMPT)
    target = workflow_app() if target is None else target
    plan, texts, before = planned(
        source, target, mode=mode, options=PromotionOptions(publish=publish)
    )
    fake = FakeTarget(apps=dict(before))
    releaser = FakeReleaser(fake, **behaviour)
    releaser.publish_draft("t-1")
    return apply_plan(fake, plan, texts, releaser=releaser), fake, releaser, before


def same(a: str, b: str) -> bool:
    return comparable(load_text(a).data) == comparable(load_text(b).data)


def test_always_publishes_the_verified_draft_under_a_name_from_the_plan() -> None:
    result, _, releaser, _ = promote("always")
    app = result.apps[0]
    assert app.outcome == Outcome.APPLIED and result.ok
    assert app.published_version == "v2" and app.message.endswith("published as version v2")
    assert "one sentence" in releaser.live_text("t-1")
    [(_, name, comment)] = releaser.published
    assert len(name) <= 20 and name.startswith("difyops ")
    assert len(comment) <= 100 and "promoted by difyops" in comment


def test_if_tested_keeps_an_untested_draft_unpublished_and_says_why() -> None:
    result, fake, releaser, _ = promote("if-tested", problems=["tested: no draft test run"])
    app = result.apps[0]
    assert app.outcome == Outcome.APPLIED and app.published_version is None
    assert "imported as draft, not published" in app.message
    assert any("release check is not ready" in a and "tested" in a for a in app.attention)
    assert releaser.live == {"t-1": "v1"} and releaser.published == []
    assert "one sentence" in fake.apps["t-1"]  # the draft holds the promotion


def test_if_tested_publishes_when_the_release_check_passes() -> None:
    result, _, _, _ = promote("if-tested")
    assert result.apps[0].published_version == "v2"


def test_never_replaces_only_the_draft_and_says_it_must_be_published() -> None:
    result, _, releaser, _ = promote("never")
    app = result.apps[0]
    assert app.published_version is None and releaser.published == []
    assert app.message.endswith("imported as draft: publish it in Dify to go live")


def test_a_failed_publish_puts_the_draft_back_and_nothing_went_live() -> None:
    result, fake, releaser, before = promote("always", publish_raises=True)
    app = result.apps[0]
    assert app.outcome == Outcome.ROLLED_BACK and not result.ok
    assert "publishing failed: Internal Server Error" in app.message
    assert fake.apps["t-1"] == before["t-1"]  # byte for byte
    assert releaser.live == {"t-1": "v1"}


def test_a_publish_whose_answer_was_lost_after_it_went_live_is_read_back_as_published() -> None:
    """Issue 14 (faults): not "rolled back" while the promoted version is live."""
    result, fake, releaser, _ = promote("always", publish_unanswered="after")
    app = result.apps[0]
    assert app.outcome == Outcome.APPLIED and result.ok
    assert app.published_version == "v2" and app.message.endswith("published as version v2")
    assert any("the publish got no answer" in a and "v2 live" in a for a in app.attention)
    assert releaser.live == {"t-1": "v2"} and len(releaser.published) == 1  # published once
    assert "one sentence" in fake.apps["t-1"] and "one sentence" in releaser.live_text("t-1")


def test_a_publish_lost_before_it_went_live_puts_the_draft_back() -> None:
    result, fake, releaser, before = promote("always", publish_unanswered="before")
    app = result.apps[0]
    assert app.outcome == Outcome.ROLLED_BACK and app.published_version is None
    assert "publishing failed: connection lost" in app.message
    assert fake.apps["t-1"] == before["t-1"] and releaser.live == {"t-1": "v1"}


def test_a_published_version_that_differs_is_rolled_back_live_and_draft() -> None:
    result, fake, releaser, before = promote("always", publish_tampers=True)
    app = result.apps[0]
    assert app.outcome == Outcome.ROLLED_BACK
    assert "the published version differs from what was sent" in app.message
    assert "the version live before (v1) is live again" in app.message
    # Dify cannot unpublish: the old version is live again as a new version.
    assert releaser.live["t-1"] == "v3" and same(releaser.live_text("t-1"), before["t-1"])
    assert fake.apps["t-1"] == before["t-1"]
    assert app.published_version is None


def test_a_rollback_of_the_live_version_that_fails_is_loud() -> None:
    result, *_ = promote("always", publish_tampers=True, restore_raises=True)
    app = result.apps[0]
    assert app.outcome == Outcome.FAILED
    assert "ROLLBACK OF THE LIVE VERSION FAILED" in app.message and "v1" in app.message


def test_apps_without_versions_are_not_published() -> None:
    source = chat_app(pre_prompt="You are the front desk of a large hotel.")
    plan, texts, before = planned(
        source, None, mode="chat", options=PromotionOptions(publish="always")
    )
    fake = FakeTarget(apps=dict(before))
    releaser = FakeReleaser(fake)
    result = apply_plan(fake, plan, texts, releaser=releaser)
    assert result.apps[0].outcome == Outcome.APPLIED and releaser.published == []


def test_the_version_name_fits_difys_limits() -> None:
    plan, _, _ = planned(workflow_app(prompt=NEW_PROMPT), workflow_app())
    name, comment = version_name(plan)
    assert len(name) <= 20 and plan.checksum.removeprefix("sha256:").startswith(name[8:])
    assert len(comment) <= 100


def test_secrets_the_import_dropped_are_set_again_through_env_before_publishing() -> None:
    source = workflow_app(prompt=NEW_PROMPT, env=[secret_var("API_KEY", var_id="e-1")])
    target = workflow_app(env=[secret_var("API_KEY", TARGET_SECRET, var_id="e-1")])
    result, _, releaser, _ = promote("always", source=source, target=target, drops_secrets=True)
    app = result.apps[0]
    assert releaser.secrets_set == [("API_KEY", TARGET_SECRET)]
    assert any("secret API_KEY was empty after the import" in a for a in app.attention)
    assert TARGET_SECRET not in app.model_dump_json()  # the value never reaches the result
    assert app.published_version is not None


def test_secrets_the_import_kept_are_left_alone() -> None:
    source = workflow_app(prompt=NEW_PROMPT, env=[secret_var("API_KEY", var_id="e-1")])
    target = workflow_app(env=[secret_var("API_KEY", TARGET_SECRET, var_id="e-1")])
    _, _, releaser, _ = promote("always", source=source, target=target)
    assert releaser.secrets_set == []


def test_a_wrong_first_publish_cannot_be_undone_and_is_a_failure_not_a_rollback() -> None:
    plan, texts, before = planned(
        workflow_app(prompt=NEW_PROMPT), workflow_app(), options=PromotionOptions(publish="always")
    )
    fake = FakeTarget(apps=dict(before))
    releaser = FakeReleaser(fake, publish_tampers=True)  # never published before
    result = apply_plan(fake, plan, texts, releaser=releaser)
    app = result.apps[0]
    assert app.outcome == Outcome.FAILED
    assert "Dify cannot unpublish" in app.message
    assert app.published_version is not None  # what is live now, for the person to fix
    assert fake.apps["t-1"] == before["t-1"]  # the draft is back all the same
