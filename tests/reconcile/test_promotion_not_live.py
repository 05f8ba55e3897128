"""An unchanged app whose draft is not live, under the `always` publish policy
(reconcile.promotion.live.not_live_update): issue 14 (faults) found a new app whose
publish failed left as an unpublished draft that no later run would publish."""

from __future__ import annotations

from typing import Any

import pytest

from reconcile.promotion.live import not_live_update
from reconcile.promotion.plan import Action, PlannedApp, PublishPolicy
from tests.reconcile.promotion_fixtures import chat_app, workflow_app
from tests.reconcile.test_promotion_apply import NEW_PROMPT

DRAFT = workflow_app()


def planned(action: Action = Action.UNCHANGED, mode: str = "workflow") -> PlannedApp:
    return PlannedApp(
        name="Ticket Summary",
        mode=mode,
        action=action,
        target_name="Ticket Summary",
        target_id="t-1",
        summary="no behaviour change",
        source_hash="sha256:x",
        target_hash="sha256:x",
    )


def decided(
    app: PlannedApp,
    policy: PublishPolicy = "always",
    *,
    live_id: str | None = None,
    live: dict[str, Any] | None = None,
    draft: dict[str, Any] = DRAFT,
) -> PlannedApp:
    return not_live_update(app, policy, draft=draft, live_id=live_id, live=live)


@pytest.mark.parametrize(
    ("live_id", "live", "says"),
    [
        pytest.param(None, None, "it was never published", id="never published"),
        pytest.param(
            "v1-abcdefgh",
            workflow_app(prompt=NEW_PROMPT),
            "its live version v1-abcde differs",
            id="another version live",
        ),
    ],
)
def test_a_draft_not_live_is_an_update_that_publishes_it(
    live_id: str | None, live: dict[str, Any] | None, says: str
) -> None:
    app = decided(planned(), live_id=live_id, live=live)
    assert app.action == Action.UPDATE
    assert says in app.summary and "published (publish policy: always)" in app.summary
    assert (app.source_hash, app.target_hash) == ("sha256:x", "sha256:x")


def test_a_live_draft_stays_unchanged() -> None:
    app = planned()
    assert decided(app, live_id="v1", live=workflow_app()) == app


@pytest.mark.parametrize("policy", ["if-tested", "never"])
def test_only_the_always_policy_publishes_an_unchanged_app(policy: PublishPolicy) -> None:
    app = planned()
    assert decided(app, policy) == app


def test_apps_without_versions_and_changing_apps_are_left_as_planned() -> None:
    chat = planned(mode="chat")
    assert not_live_update(chat, "always", draft=chat_app(), live_id=None, live=None) == chat
    update = planned(Action.UPDATE)
    assert decided(update) == update
