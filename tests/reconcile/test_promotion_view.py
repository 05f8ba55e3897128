"""The comparable view of an app DSL and the secrets a promotion keeps (`promotion_view`)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dsl import REDACTED_PLACEHOLDER
from reconcile.promotion.view import comparable, secret_names, view_hash, with_target_secrets
from tests.reconcile.promotion_fixtures import (
    SOURCE_SECRET,
    TARGET_API_KEY,
    TARGET_SECRET,
    chat_app,
    chatflow_app,
    http_workflow_app,
    nodes_by_id,
    secret_var,
    string_var,
    tool_workflow_app,
    workflow_app,
)

ENV_PATH = ("workflow", "environment_variables")


def env_values(data: dict[str, Any]) -> dict[str, str]:
    return {v["name"]: v["value"] for v in data["workflow"]["environment_variables"]}


def view_nodes(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for node in view["workflow"]["graph"]["nodes"]}


def http_data(data: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = nodes_by_id(data)["http"]["data"]
    return payload


def walk_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in walk_keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in walk_keys(item)}
    return set()


# --- comparable -----------------------------------------------------------------------------


def test_comparable_drops_knowledge_base_ids() -> None:
    view = comparable(chatflow_app(dataset_ids=["kb-enc-AAA", "kb-enc-BBB"]))
    assert view_nodes(view)["retrieval"]["data"]["dataset_ids"] == []


@pytest.mark.parametrize(
    ("source_ids", "target_ids"),
    [
        (["kb-enc-dev-1"], ["kb-enc-prod-1"]),  # encrypted per workspace
        (["kb-enc-dev-1", "kb-enc-dev-2"], []),  # dropped by the import into the target
        (["2f6c1f0e-uuid"], ["kb-enc-prod-1"]),  # plain UUIDs from an older export
    ],
)
def test_knowledge_base_ids_never_make_two_views_differ(
    source_ids: list[str], target_ids: list[str]
) -> None:
    assert comparable(chatflow_app(dataset_ids=source_ids)) == comparable(
        chatflow_app(dataset_ids=target_ids)
    )


def test_comparable_drops_chat_app_dataset_ids() -> None:
    view = comparable(chat_app(dataset_id="kb-enc-AAA"))
    assert view["model_config"]["dataset_configs"]["datasets"] == {
        "datasets": [{"dataset": {"enabled": True}}]
    }


@pytest.mark.parametrize("credential_id", ["cred-8c1d", ""])
def test_comparable_drops_credential_id(credential_id: str) -> None:
    view = comparable(tool_workflow_app(credential_id=credential_id))
    assert "credential_id" not in walk_keys(view)
    assert view == comparable(tool_workflow_app())


def test_comparable_blanks_secrets_and_keeps_other_values() -> None:
    data = workflow_app(env=[secret_var("API_KEY", SOURCE_SECRET), string_var("REGION", "eu")])
    view = comparable(data)
    assert view["workflow"]["environment_variables"] == [
        {
            "id": "env-api_key",
            "name": "API_KEY",
            "value": "",
            "value_type": "secret",
            "description": "",
        },
        {
            "id": "env-region",
            "name": "REGION",
            "value": "eu",
            "value_type": "string",
            "description": "",
        },
    ]


def test_comparable_applies_the_target_name() -> None:
    assert comparable(workflow_app("Ticket Summary"), name="Summary (EU)")["app"]["name"] == (
        "Summary (EU)"
    )
    assert comparable(workflow_app("Ticket Summary"))["app"]["name"] == "Ticket Summary"


def test_comparable_is_the_normalised_document() -> None:
    view = comparable(workflow_app(version="0.1.5"))
    assert "version" not in view
    assert "viewport" not in view["workflow"]["graph"]
    assert view["workflow"]["features"]["file_upload"] == {"enabled": False}
    llm = view_nodes(view)["llm"]
    assert set(llm) == {"id", "type", "position", "data"}  # canvas noise gone, layout kept
    assert llm["position"] == {"x": 380, "y": 240}
    assert [n["id"] for n in view["workflow"]["graph"]["nodes"]] == ["end", "llm", "start"]


def test_comparable_does_not_touch_its_input() -> None:
    data = chatflow_app(env=[secret_var("API_KEY", SOURCE_SECRET)])
    before = copy.deepcopy(data)
    comparable(data, name="Elsewhere")
    assert data == before


def test_comparable_is_idempotent() -> None:
    view = comparable(chatflow_app(env=[secret_var("API_KEY", SOURCE_SECRET)]))
    assert comparable(view) == view


# --- view_hash ------------------------------------------------------------------------------


def test_view_hash_is_a_sha256_hex_digest_of_the_content() -> None:
    view = comparable(workflow_app())
    digest = view_hash(view)
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")
    assert view_hash(comparable(workflow_app())) == digest
    assert view_hash(dict(reversed(list(view.items())))) == digest  # key order is not content
    assert view_hash(comparable(workflow_app(prompt="Other prompt"))) != digest


def test_view_hash_ignores_what_comparable_drops() -> None:
    assert view_hash(comparable(workflow_app(version="0.1.5"))) == view_hash(
        comparable(workflow_app(version="0.4.0"))
    )
    assert view_hash(comparable(workflow_app(llm_x=500))) != view_hash(comparable(workflow_app()))


# --- secret_names ---------------------------------------------------------------------------


def test_secret_names_says_which_secrets_hold_a_value() -> None:
    data = workflow_app(
        env=[
            secret_var("API_KEY", TARGET_SECRET),
            secret_var("WEBHOOK_TOKEN", ""),
            string_var("REGION", "eu"),
        ]
    )
    assert secret_names(data) == {"API_KEY": True, "WEBHOOK_TOKEN": False}


def test_secret_names_of_an_app_without_environment() -> None:
    assert secret_names(chat_app()) == {}
    assert secret_names(workflow_app()) == {}


# --- with_target_secrets: environment variables ---------------------------------------------


def test_blank_secrets_are_filled_from_the_target_by_name() -> None:
    source = workflow_app(env=[secret_var("API_KEY"), secret_var("WEBHOOK_TOKEN")])
    # The target lists them in another order and with other ids: names decide.
    target = workflow_app(
        env=[
            secret_var("WEBHOOK_TOKEN", "tok-Aa11Bb22Cc33", var_id="x-1"),
            secret_var("API_KEY", TARGET_SECRET, var_id="x-2"),
        ]
    )
    merged, follow_ups = with_target_secrets(source, target)
    assert env_values(merged) == {"API_KEY": TARGET_SECRET, "WEBHOOK_TOKEN": "tok-Aa11Bb22Cc33"}
    assert follow_ups == []


def test_secrets_the_target_lacks_become_follow_ups() -> None:
    source = workflow_app(
        env=[secret_var("API_KEY"), secret_var("WEBHOOK_TOKEN"), secret_var("NEW_KEY")]
    )
    target = workflow_app(
        env=[
            secret_var("API_KEY", TARGET_SECRET),
            secret_var("WEBHOOK_TOKEN", ""),  # declared but blank in the target
            string_var("NEW_KEY", "not-a-secret-there"),  # same name, not a secret
        ]
    )
    merged, follow_ups = with_target_secrets(source, target)
    assert env_values(merged) == {"API_KEY": TARGET_SECRET, "WEBHOOK_TOKEN": "", "NEW_KEY": ""}
    assert follow_ups == [
        "set secret environment variable WEBHOOK_TOKEN in the target",
        "set secret environment variable NEW_KEY in the target",
    ]


def test_without_a_target_every_blank_secret_is_a_follow_up() -> None:
    source = workflow_app(env=[secret_var("API_KEY"), string_var("REGION", "")])
    merged, follow_ups = with_target_secrets(source, None)
    assert merged == source
    assert follow_ups == ["set secret environment variable API_KEY in the target"]


def test_a_secret_the_source_carries_is_kept() -> None:
    source = workflow_app(env=[secret_var("API_KEY", SOURCE_SECRET)])
    target = workflow_app(env=[secret_var("API_KEY", TARGET_SECRET)])
    merged, follow_ups = with_target_secrets(source, target)
    assert env_values(merged) == {"API_KEY": SOURCE_SECRET}
    assert follow_ups == []


def test_non_secret_values_are_never_taken_from_the_target() -> None:
    source = workflow_app(env=[string_var("REGION", "")])
    target = workflow_app(env=[string_var("REGION", "us-east-1")])
    merged, follow_ups = with_target_secrets(source, target)
    assert env_values(merged) == {"REGION": ""}
    assert follow_ups == []


def test_with_target_secrets_does_not_touch_its_inputs() -> None:
    source = http_workflow_app(api_key=REDACTED_PLACEHOLDER)
    source["workflow"]["environment_variables"] = [secret_var("API_KEY")]
    target = http_workflow_app()
    target["workflow"]["environment_variables"] = [secret_var("API_KEY", TARGET_SECRET)]
    before = copy.deepcopy((source, target))
    merged, _ = with_target_secrets(source, target)
    assert (source, target) == before
    assert merged is not source
    assert merged["workflow"] is not source["workflow"]
    assert http_data(merged)["authorization"]["config"]["api_key"] == TARGET_API_KEY


def test_redacted_secret_environment_values_are_restored_by_name() -> None:
    source = workflow_app(
        env=[secret_var("API_KEY", REDACTED_PLACEHOLDER), string_var("REGION", "eu")]
    )
    target = workflow_app(env=[string_var("REGION", "eu"), secret_var("API_KEY", TARGET_SECRET)])
    merged, follow_ups = with_target_secrets(source, target)
    assert env_values(merged) == {"API_KEY": TARGET_SECRET, "REGION": "eu"}
    assert follow_ups == []


# --- with_target_secrets: values a backup redacted ------------------------------------------

API_KEY_PATH = "workflow.graph.nodes[3].data.authorization.config.api_key"
HEADERS_PATH = "workflow.graph.nodes[3].data.headers"


def with_headers(data: dict[str, Any], headers: str) -> dict[str, Any]:
    http_data(data)["headers"] = headers
    return data


def test_a_redacted_value_is_restored_from_the_target_at_the_same_path() -> None:
    source = http_workflow_app(api_key=REDACTED_PLACEHOLDER)
    merged, follow_ups = with_target_secrets(source, http_workflow_app())
    assert http_data(merged)["authorization"]["config"]["api_key"] == TARGET_API_KEY
    assert follow_ups == []


@pytest.mark.parametrize(
    ("source_headers", "target_headers", "restored"),
    [
        (
            "Authorization:Bearer <redacted>\nAccept:application/json",
            "Authorization:Bearer Qw3Er5Ty7Ui9Op1As2\nAccept:application/json",
            True,
        ),
        (
            "X-Api-Key:<redacted>\nX-Org:<redacted>",
            "X-Api-Key:Lm4Nb6Vc8Xz0Qa2Ws\nX-Org:org-8d7f6e5c4b3a",
            True,
        ),
        # Another shape: the target's header is not the one that was redacted.
        (
            "Authorization:Bearer <redacted>\nAccept:application/json",
            "Authorization:Basic Qw3Er5Ty7Ui9Op1As2\nAccept:application/json",
            False,
        ),
        (
            "X-Api-Key:<redacted>\nX-Org:acme",
            "X-Api-Key:Lm4Nb6Vc8Xz0Qa2Ws\nX-Org:other",
            False,
        ),
        # The placeholder stands for at least one character.
        ("X-Api-Key:<redacted>", "X-Api-Key:", False),
        # The target's copy is itself redacted: nothing to restore.
        ("X-Api-Key:<redacted>", "X-Api-Key:<redacted>", False),
    ],
)
def test_a_redacted_value_is_restored_only_from_a_string_of_the_same_shape(
    source_headers: str, target_headers: str, restored: bool
) -> None:
    source = with_headers(http_workflow_app(), source_headers)
    target = with_headers(http_workflow_app(), target_headers)
    merged, follow_ups = with_target_secrets(source, target)
    if restored:
        assert http_data(merged)["headers"] == target_headers
        assert follow_ups == []
    else:
        assert http_data(merged)["headers"] == source_headers
        assert follow_ups == [
            f"re-enter the credential at {HEADERS_PATH} (it was redacted in the backup)"
        ]


def test_a_restored_value_keeps_the_source_text_around_the_placeholder() -> None:
    source = with_headers(http_workflow_app(), "Authorization:Bearer <redacted>")
    target = with_headers(http_workflow_app(), "Authorization:Bearer Qw3Er5Ty7Ui9Op1As2\nX-Debug:1")
    merged, _ = with_target_secrets(source, target)
    assert "X-Debug" not in http_data(merged)["headers"]


@pytest.mark.parametrize(
    "target",
    [
        None,  # a create: no target app
        http_workflow_app(api_key=REDACTED_PLACEHOLDER),
        workflow_app("Order Lookup"),  # the target has no such node
    ],
    ids=["no-target", "target-redacted", "path-missing"],
)
def test_a_redacted_value_the_target_cannot_fill_is_a_follow_up(
    target: dict[str, Any] | None,
) -> None:
    source = http_workflow_app(api_key=REDACTED_PLACEHOLDER)
    merged, follow_ups = with_target_secrets(source, target)
    assert http_data(merged)["authorization"]["config"]["api_key"] == REDACTED_PLACEHOLDER
    assert follow_ups == [
        f"re-enter the credential at {API_KEY_PATH} (it was redacted in the backup)"
    ]


def test_a_redacted_value_is_not_restored_from_a_non_string() -> None:
    source = http_workflow_app(api_key=REDACTED_PLACEHOLDER)
    target = http_workflow_app()
    http_data(target)["authorization"]["config"]["api_key"] = {"value": TARGET_API_KEY}
    merged, follow_ups = with_target_secrets(source, target)
    assert http_data(merged)["authorization"]["config"]["api_key"] == REDACTED_PLACEHOLDER
    assert follow_ups == [
        f"re-enter the credential at {API_KEY_PATH} (it was redacted in the backup)"
    ]


def test_follow_ups_list_environment_secrets_before_redacted_values() -> None:
    source = http_workflow_app(api_key=REDACTED_PLACEHOLDER)
    source["workflow"]["environment_variables"] = [secret_var("ORDERS_KEY")]
    _, follow_ups = with_target_secrets(source, None)
    assert follow_ups == [
        "set secret environment variable ORDERS_KEY in the target",
        f"re-enter the credential at {API_KEY_PATH} (it was redacted in the backup)",
    ]


def test_a_redacted_node_value_is_restored_from_the_same_node() -> None:
    source = http_workflow_app(api_key=REDACTED_PLACEHOLDER)
    target = http_workflow_app()  # TARGET_API_KEY in node "http"
    other = copy.deepcopy(nodes_by_id(target)["http"])
    other["id"] = "http-billing"
    other["data"]["title"] = "Fetch invoice"
    other["data"]["authorization"]["config"]["api_key"] = "billing-Qq11Ww22Ee33"
    target["workflow"]["graph"]["nodes"].insert(3, other)  # listed before "http"
    merged, follow_ups = with_target_secrets(source, target)
    assert http_data(merged)["authorization"]["config"]["api_key"] == TARGET_API_KEY
    assert follow_ups == []
