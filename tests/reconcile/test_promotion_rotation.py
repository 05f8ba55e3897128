"""A rotated credential is a change the plan shows (issue 14.4): planned as an update, its
diff saying "secret value changed" as `dsl diff` does, and never the value itself; a
blank or redacted source value means "keep the target's", not a rotation."""

from __future__ import annotations

import json
from typing import Any

from dsl import REDACTED_PLACEHOLDER, diff_documents, load_text, render_text
from reconcile.promotion.plan import Action, PlannedApp, PromotionOptions
from reconcile.promotion.planner import plan_promotion
from tests.reconcile.promotion_fixtures import (
    SOURCE,
    SOURCE_SECRET,
    TARGET,
    TARGET_API_KEY,
    TARGET_SECRET,
    document,
    http_workflow_app,
    match,
    secret_var,
    workflow_app,
)

ROTATED_KEY = "rT6yU2iO9pA4sD1fG7hJ"
ORDERS = match("Order Lookup")
TICKET = match("Ticket Summary")


def plan_one(source: dict[str, Any], target: dict[str, Any], matched: Any) -> PlannedApp:
    plan = plan_promotion(
        SOURCE,
        TARGET,
        [matched],
        {matched.source.name: document(source)},
        {"t-1": document(target)},
        PromotionOptions(),
    )
    [app] = plan.apps
    dumped = plan.model_dump_json()
    for secret in (ROTATED_KEY, TARGET_API_KEY, SOURCE_SECRET, TARGET_SECRET):
        assert secret not in dumped
    return app


def with_header(data: dict[str, Any], value: str) -> dict[str, Any]:
    node = data["workflow"]["graph"]["nodes"][-1]["data"]
    node["headers"] = f"X-Api-Key:{value}"
    return data


def test_a_rotated_header_value_alone_is_an_update_shown_as_secret_value_changed() -> None:
    source = with_header(http_workflow_app(), ROTATED_KEY)
    target = with_header(http_workflow_app(), TARGET_API_KEY)
    app = plan_one(source, target, ORDERS)
    assert app.action == Action.UPDATE
    assert app.diff_text and "(secret value changed)" in app.diff_text
    assert app.diff_markdown and "secret value changed" in app.diff_markdown
    # The plan says what `dsl diff` says for the same two documents.
    dsl_diff = diff_documents(load_text(json.dumps(target)), load_text(json.dumps(source)))
    assert "(secret value changed)" in render_text(dsl_diff)
    assert app.summary == dsl_diff.summary()


def test_a_rotated_api_key_beside_another_edit_is_listed_too() -> None:
    source = http_workflow_app(api_key=ROTATED_KEY, url="https://orders-v2.test")
    app = plan_one(source, http_workflow_app(), ORDERS)
    assert app.action == Action.UPDATE
    assert app.diff_text and "orders-v2.test" in app.diff_text
    assert "api_key: (secret value changed)" in app.diff_text


def test_a_rotated_secret_environment_value_is_an_update() -> None:
    source = workflow_app(env=[secret_var("API_KEY", SOURCE_SECRET)])
    target = workflow_app(env=[secret_var("API_KEY", TARGET_SECRET)])
    app = plan_one(source, target, TICKET)
    assert app.action == Action.UPDATE
    assert app.diff_text and "API_KEY" in app.diff_text
    assert "(secret value changed)" in app.diff_text


def test_a_redacted_source_value_is_not_a_rotation() -> None:
    source = with_header(http_workflow_app(api_key=REDACTED_PLACEHOLDER), REDACTED_PLACEHOLDER)
    target = with_header(http_workflow_app(), TARGET_API_KEY)
    assert plan_one(source, target, ORDERS).action == Action.UNCHANGED


def test_a_redacted_value_the_target_cannot_fill_is_not_a_rotation() -> None:
    # The target's value has another shape (spaces): the placeholder stays (a follow-up),
    # and the comparison still reads it as "keep the target's".
    source = workflow_app(env=[secret_var("API_KEY", REDACTED_PLACEHOLDER)])
    target = workflow_app(env=[secret_var("API_KEY", f"{TARGET_SECRET} {TARGET_SECRET}")])
    assert plan_one(source, target, TICKET).action == Action.UNCHANGED


def test_a_blank_secret_in_the_source_is_not_a_rotation() -> None:
    source = workflow_app(env=[secret_var("API_KEY")])
    target = workflow_app(env=[secret_var("API_KEY", TARGET_SECRET)])
    assert plan_one(source, target, TICKET).action == Action.UNCHANGED
