"""The promotion planner (`plan_promotion`): actions, reasons, attention, follow-ups,
checksum stability, and no secret value in the plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dsl import REDACTED_PLACEHOLDER
from reconcile.promotion.plan import Action, Endpoint, PlannedApp, PromotionOptions, PromotionPlan
from reconcile.promotion.planner import Match, plan_promotion
from reconcile.promotion.render import plan_markdown, plan_rows
from tests.reconcile.promotion_fixtures import (
    OPENAI,
    OPENAI_NEWER,
    SOURCE,
    SOURCE_SECRET,
    TARGET,
    TARGET_API_KEY,
    TARGET_SECRET,
    chat_app,
    chatflow_app,
    document,
    http_workflow_app,
    marketplace_plugin,
    match,
    nodes_by_id,
    secret_var,
    string_var,
    tool_workflow_app,
    workflow_app,
)

Data = dict[str, Any]


def plan_of(
    pairs: list[tuple[Match, Data, Data | None]],
    options: PromotionOptions | None = None,
    *,
    target: Endpoint = TARGET,
) -> PromotionPlan:
    """A plan for (match, source DSL, target DSL or None) triples."""
    source_docs = {m.source.name: document(s, source=f"src:{m.source.name}") for m, s, _ in pairs}
    target_docs = {
        m.target.id: document(t, source=f"tgt:{m.target.id}")
        for m, _, t in pairs
        if t is not None and m.target is not None and m.target.id
    }
    return plan_promotion(
        SOURCE,
        target,
        [m for m, _, _ in pairs],
        source_docs,
        target_docs,
        options or PromotionOptions(),
    )


def plan_one(source: Data, target: Data | None, matched: Match, **options: Any) -> PlannedApp:
    [app] = plan_of([(matched, source, target)], PromotionOptions(**options)).apps
    return app


TICKET = match("Ticket Summary")
NEW_TICKET = match("Ticket Summary", target_id=None)
POLICY = match("Policy Helpdesk", "advanced-chat")

BLOCKED_CHAT = (
    "the target app is a {mode} app, and Dify's API can overwrite only workflow and "
    "chatflow (advanced-chat) apps"
)
USE_RECREATE = "; the recreate option would import it as a new app instead"
RECREATE_NOTE = (
    "; the recreate option imports a new app named {name!r} beside it. Retire the old app (t-1) by "
    "hand afterwards: until then the target has two apps of that name and later promotions "
    "refuse to guess."
)


# --- create ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "mode", "summary"),
    [
        (workflow_app(), "workflow", "new app (workflow, 3 nodes)"),
        (chatflow_app(), "advanced-chat", "new app (advanced-chat, 4 nodes)"),
        (chat_app(), "chat", "new app (chat)"),
        (chat_app(mode="completion"), "completion", "new app (completion)"),
    ],
)
def test_an_app_absent_in_the_target_is_created(source: Data, mode: str, summary: str) -> None:
    name = source["app"]["name"]
    app = plan_one(source, None, match(name, mode, target_id=None))
    assert (app.action, app.summary) == (Action.CREATE, summary)
    assert (app.name, app.mode, app.source_id, app.target_name) == (name, mode, "s-1", name)
    assert (app.target_id, app.target_mode, app.target_hash, app.reason) == (None,) * 4
    assert (app.diff, app.diff_text, app.diff_markdown, app.breaking) == (None, None, None, [])
    assert len(app.source_hash) == 64


def test_a_mapped_create_is_named_after_the_target() -> None:
    app = plan_one(
        workflow_app(), None, match("Ticket Summary", target_name="T (EU)", target_id=None)
    )
    assert (app.name, app.target_name, app.action) == ("Ticket Summary", "T (EU)", Action.CREATE)


# --- update / unchanged ---------------------------------------------------------------------


def test_a_changed_workflow_is_an_update_with_its_diff() -> None:
    app = plan_one(workflow_app(prompt="Summarise briefly."), workflow_app(), TICKET)
    assert (app.action, app.summary, app.reason) == (Action.UPDATE, "1 node changed", None)
    assert (app.target_id, app.target_mode) == ("t-1", "workflow")
    assert app.target_hash is not None
    assert app.target_hash != app.source_hash
    assert app.diff_text == (
        "old → new: 1 node changed\n\nNodes\n"
        '  ~ "Summarise" (llm) llm\n'
        '      ~ prompt_template[0].text: "Summarise the ticket in two sentences: '
        '{{#start.ticket#}}" → "Summarise briefly."\n'
    )
    assert app.diff_markdown is not None
    assert app.diff_markdown.startswith("#### DSL diff")
    assert app.diff is not None
    [node] = app.diff["nodes"]
    assert (node["id"], node["kind"], node["fields"][0]["new"]) == (
        "llm",
        "changed",
        "Summarise briefly.",
    )


def test_a_changed_chatflow_is_an_update() -> None:
    app = plan_one(chatflow_app(answer="Answer: {{#llm.text#}}"), chatflow_app(), POLICY)
    assert (app.action, app.summary, app.target_mode) == (
        Action.UPDATE,
        "1 node changed",
        "advanced-chat",
    )


def test_a_layout_only_change_is_an_update() -> None:
    app = plan_one(workflow_app(llm_x=520), workflow_app(), TICKET)
    assert (app.action, app.summary) == (Action.UPDATE, "1 node changed, layout only")


def test_a_new_secret_variable_is_an_update_with_a_follow_up() -> None:
    app = plan_one(workflow_app(env=[secret_var("API_KEY")]), workflow_app(), TICKET)
    assert (app.action, app.summary) == (Action.UPDATE, "1 environment variable added")
    assert app.follow_ups == ["set secret environment variable API_KEY in the target"]


def test_an_update_keeps_no_follow_up_for_a_secret_the_target_holds() -> None:
    source = workflow_app(prompt="Summarise briefly.", env=[secret_var("API_KEY")])
    target = workflow_app(env=[secret_var("API_KEY", TARGET_SECRET)])
    app = plan_one(source, target, TICKET)
    assert (app.action, app.follow_ups) == (Action.UPDATE, [])


def canvas_noise(data: Data) -> Data:
    graph = data["workflow"]["graph"]
    graph["viewport"] = {"x": -300, "y": 75, "zoom": 1.4}
    for node in graph["nodes"]:
        node["positionAbsolute"] = {"x": 1, "y": 2}
        node["selected"] = True
        node["width"], node["height"] = 300, 120
        node["zIndex"] = 1001
    for edge in graph["edges"]:
        edge["selected"] = True
    return data


def other_upload_limits(data: Data) -> Data:
    data["workflow"]["features"]["file_upload"]["fileUploadConfig"] = {"file_size_limit": 50}
    return data


def nodes_reversed(data: Data) -> Data:
    data["workflow"]["graph"]["nodes"].reverse()
    data["workflow"]["graph"]["edges"].reverse()
    return data


@pytest.mark.parametrize(
    ("source", "target", "matched"),
    [
        (workflow_app(), workflow_app(), TICKET),
        (workflow_app(version="0.4.0"), workflow_app(version="0.1.5"), TICKET),
        (
            workflow_app(dependencies=[marketplace_plugin(OPENAI_NEWER)]),
            workflow_app(dependencies=[marketplace_plugin(OPENAI)]),
            TICKET,
        ),
        (workflow_app(), canvas_noise(workflow_app()), TICKET),
        (workflow_app(), other_upload_limits(workflow_app()), TICKET),
        (workflow_app(), nodes_reversed(workflow_app()), TICKET),
        (
            workflow_app(env=[secret_var("API_KEY")]),
            workflow_app(env=[secret_var("API_KEY", TARGET_SECRET)]),
            TICKET,
        ),
        (
            chatflow_app(dataset_ids=["kb-enc-dev-1"]),
            chatflow_app(dataset_ids=["kb-enc-prod-9"]),
            POLICY,
        ),
        (
            chatflow_app(dataset_ids=["kb-enc-dev-1", "kb-enc-dev-2"]),
            chatflow_app(dataset_ids=[]),
            POLICY,
        ),
        (
            tool_workflow_app(),
            tool_workflow_app(credential_id="cred-71f0"),
            match("Web Researcher"),
        ),
        (
            workflow_app("Ticket Summary"),
            workflow_app("Ticket Summary (EU)"),
            match("Ticket Summary", target_name="Ticket Summary (EU)"),
        ),
        (chat_app(), chat_app(), match("Front Desk", "chat")),
        (
            chat_app(dataset_id="kb-enc-dev-1"),
            chat_app(dataset_id="kb-enc-prod-9"),
            match("Front Desk", "chat"),
        ),
    ],
    ids=[
        "identical",
        "dsl-version",
        "plugin-version-and-hash",
        "canvas-noise",
        "server-upload-limits",
        "node-and-edge-order",
        "secret-blank-in-source",
        "dataset-ids-encrypted-per-workspace",
        "dataset-ids-emptied-by-import",
        "credential-id-only-in-target",
        "mapped-name",
        "chat-app-equal",
        "chat-app-dataset-ids",
    ],
)
def test_only_workspace_bound_secret_or_export_differences_are_unchanged(
    source: Data, target: Data, matched: Match
) -> None:
    app = plan_one(source, target, matched)
    assert (app.action, app.summary, app.reason) == (Action.UNCHANGED, "no behaviour change", None)
    assert (app.diff, app.diff_text, app.diff_markdown) == (None, None, None)
    assert (app.attention, app.follow_ups, app.breaking) == ([], [], [])
    assert app.target_id == "t-1"
    assert app.target_hash is not None


def test_equal_views_have_equal_hashes() -> None:
    app = plan_one(workflow_app(version="0.4.0"), canvas_noise(workflow_app()), TICKET)
    assert app.source_hash == app.target_hash


def test_a_redacted_secret_the_target_holds_is_unchanged() -> None:
    source = http_workflow_app(api_key=REDACTED_PLACEHOLDER)
    app = plan_one(source, http_workflow_app(), match("Order Lookup"))
    assert app.action == Action.UNCHANGED


def test_breaking_changes_read_as_sentences() -> None:
    source = workflow_app()
    nodes_by_id(source)["start"]["data"]["variables"][0]["variable"] = "issue"
    app = plan_one(source, workflow_app(), TICKET)
    assert app.summary == "1 node changed, start input renamed (breaking)"
    assert app.breaking == ["start input 'ticket' renamed to 'issue' (node \"Start\")"]


# --- blocked / recreate ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["chat", "agent-chat", "completion"])
def test_a_changed_app_of_a_mode_the_api_cannot_overwrite_is_blocked(mode: str) -> None:
    source = chat_app(mode=mode, pre_prompt="You are the night desk.")
    app = plan_one(source, chat_app(mode=mode), match("Front Desk", mode))
    assert app.action == Action.BLOCKED
    assert app.reason == BLOCKED_CHAT.format(mode=mode) + USE_RECREATE
    assert app.summary == "model config changed"
    assert (app.target_id, app.target_mode) == ("t-1", mode)
    assert app.diff_text is not None


def test_an_overwritable_source_onto_a_chat_target_is_blocked_for_the_target_mode() -> None:
    app = plan_one(workflow_app("Front Desk"), chat_app(), match("Front Desk", target_mode="chat"))
    assert app.action == Action.BLOCKED
    assert app.reason == BLOCKED_CHAT.format(mode="chat") + USE_RECREATE


@pytest.mark.parametrize(
    ("source", "target", "mode", "target_mode"),
    [
        (
            workflow_app("Ticket Summary"),
            chatflow_app("Ticket Summary"),
            "workflow",
            "advanced-chat",
        ),
        (
            chatflow_app("Ticket Summary"),
            workflow_app("Ticket Summary"),
            "advanced-chat",
            "workflow",
        ),
    ],
)
def test_different_modes_are_blocked(
    source: Data, target: Data, mode: str, target_mode: str
) -> None:
    app = plan_one(source, target, match("Ticket Summary", mode, target_mode=target_mode))
    assert app.action == Action.BLOCKED
    assert app.reason == (
        f"the modes differ ({mode} in the source, {target_mode} in the target) and an "
        "overwrite would not convert the app" + USE_RECREATE
    )


@pytest.mark.parametrize(
    ("source", "target", "matched", "reason"),
    [
        (
            chat_app(pre_prompt="You are the night desk."),
            chat_app(),
            match("Front Desk", "chat"),
            BLOCKED_CHAT.format(mode="chat"),
        ),
        (
            workflow_app(),
            chatflow_app("Ticket Summary"),
            match("Ticket Summary", target_mode="advanced-chat"),
            "the modes differ (workflow in the source, advanced-chat in the target) and an "
            "overwrite would not convert the app",
        ),
    ],
)
def test_recreate_turns_a_blocked_app_into_a_recreate(
    source: Data, target: Data, matched: Match, reason: str
) -> None:
    app = plan_one(source, target, matched, recreate=True)
    assert app.action == Action.RECREATE
    assert app.reason == reason + RECREATE_NOTE.format(name=matched.target_name)
    assert app.target_id == "t-1"


@pytest.mark.parametrize(
    ("source", "target", "matched", "action"),
    [
        (workflow_app(prompt="Summarise briefly."), workflow_app(), TICKET, Action.UPDATE),
        (workflow_app(), None, NEW_TICKET, Action.CREATE),
        (chat_app(), chat_app(), match("Front Desk", "chat"), Action.UNCHANGED),
        (workflow_app(), workflow_app(), TICKET, Action.UNCHANGED),
    ],
)
def test_recreate_changes_nothing_but_blocked_apps(
    source: Data, target: Data | None, matched: Match, action: Action
) -> None:
    app = plan_one(source, target, matched, recreate=True)
    assert (app.action, app.reason) == (action, None)


def test_an_unchanged_app_of_a_blocked_mode_is_not_blocked() -> None:
    app = plan_one(chat_app(), chat_app(), match("Front Desk", "chat"))
    assert app.action == Action.UNCHANGED


# --- attention ------------------------------------------------------------------------------

KNOWLEDGE = (
    'node "Policies": knowledge base binding (dataset_ids, {n}) will not carry over to '
    "another workspace; rebind the knowledge bases in the target"
)
REDACTED_NOTE = (
    "the source holds values redacted by a backup; where the target has no value for them "
    "they must be re-entered"
)


def test_knowledge_bases_need_attention() -> None:
    app = plan_one(
        chatflow_app(dataset_ids=["a", "b"]),
        None,
        match("Policy Helpdesk", "advanced-chat", target_id=None),
    )
    assert app.attention == [KNOWLEDGE.format(n=2)]


def test_an_update_keeps_its_attention_items() -> None:
    source = chatflow_app(answer="Answer: {{#llm.text#}}")
    app = plan_one(source, chatflow_app(dataset_ids=[]), POLICY)
    assert (app.action, app.attention) == (Action.UPDATE, [KNOWLEDGE.format(n=1)])


def test_chat_app_knowledge_bases_need_attention() -> None:
    app = plan_one(chat_app(dataset_id="kb-1"), None, match("Front Desk", "chat", target_id=None))
    assert app.attention == [
        "knowledge base binding (1 dataset(s)) will not carry over to another workspace; "
        "rebind the knowledge bases in the target"
    ]


def test_tool_credentials_need_attention() -> None:
    source = tool_workflow_app(credential_id="cred-71f0")
    app = plan_one(source, None, match("Web Researcher", target_id=None))
    assert app.attention == [
        "node \"Search\": tool credential (credential_id) of 'Tavily Search' belongs to this "
        "workspace; choose a credential in the target"
    ]


def test_plugins_are_listed_once_and_sorted() -> None:
    tavily = "langgenius/tavily:0.1.0@" + "ab" * 32
    source = workflow_app(
        dependencies=[
            marketplace_plugin(tavily),
            marketplace_plugin(OPENAI),
            marketplace_plugin(OPENAI_NEWER),
        ]
    )
    app = plan_one(source, None, NEW_TICKET)
    assert app.attention == [
        "needs plugins langgenius/openai, langgenius/tavily (checked in the target after import)"
    ]


def test_redacted_values_need_attention_and_a_follow_up_when_the_target_lacks_them() -> None:
    app = plan_one(
        http_workflow_app(api_key=REDACTED_PLACEHOLDER), None, match("Order Lookup", target_id=None)
    )
    assert app.attention == [REDACTED_NOTE]
    assert app.follow_ups == [
        "re-enter the credential at workflow.graph.nodes[3].data.authorization.config.api_key "
        "(it was redacted in the backup)"
    ]


def test_attention_lists_bindings_then_plugins_then_redactions() -> None:
    source = chatflow_app(dependencies=[marketplace_plugin(OPENAI)])
    source["workflow"]["graph"]["nodes"][2]["data"]["prompt_template"][0]["text"] = (
        "Use key " + REDACTED_PLACEHOLDER
    )
    app = plan_one(source, None, match("Policy Helpdesk", "advanced-chat", target_id=None))
    assert app.attention == [
        KNOWLEDGE.format(n=1),
        "needs plugins langgenius/openai (checked in the target after import)",
        REDACTED_NOTE,
    ]


def test_an_app_without_bound_values_needs_no_attention() -> None:
    assert plan_one(workflow_app(), None, NEW_TICKET).attention == []


# --- the plan as a whole --------------------------------------------------------------------


def test_the_plan_keeps_the_order_of_the_matches_and_its_context() -> None:
    plan = plan_of(
        [
            (match("Front Desk", "chat", target_id="t-3"), chat_app(pre_prompt="Hi."), chat_app()),
            (TICKET, workflow_app(), workflow_app()),
            (match("Policy Helpdesk", "advanced-chat", target_id=None), chatflow_app(), None),
        ],
        PromotionOptions(confirm_pending="minor", dependencies="fail"),
    )
    assert [(a.name, a.action) for a in plan.apps] == [
        ("Front Desk", Action.BLOCKED),
        ("Ticket Summary", Action.UNCHANGED),
        ("Policy Helpdesk", Action.CREATE),
    ]
    assert (plan.version, plan.kind, plan.source, plan.target) == (1, "promotion", SOURCE, TARGET)
    assert plan.options == PromotionOptions(confirm_pending="minor", dependencies="fail")
    assert plan.checksum.startswith("sha256:")
    assert len(plan.checksum) == len("sha256:") + 64


# --- checksum -------------------------------------------------------------------------------

BASE_TARGET_ENV = [secret_var("API_KEY", TARGET_SECRET)]


def baseline() -> tuple[Match, Data, Data]:
    source = workflow_app(prompt="Summarise briefly.", env=[secret_var("API_KEY")])
    return TICKET, source, workflow_app(env=[secret_var("API_KEY", TARGET_SECRET)])


def checksum_of(
    edit: Callable[[Match, Data, Data], tuple[Match, Data, Data]] = lambda *triple: triple,
    options: PromotionOptions | None = None,
    target: Endpoint = TARGET,
) -> str:
    return plan_of([edit(*baseline())], options, target=target).checksum


def test_the_same_inputs_give_the_same_checksum() -> None:
    first, second = plan_of([baseline()]), plan_of([baseline()])
    assert first.checksum == second.checksum
    later = first.model_copy(update={"created_at": "1999-12-31T23:59:59+00:00"}).sealed()
    assert later.checksum == first.checksum


def with_prompt(data: Data, text: str) -> Data:
    nodes_by_id(data)["llm"]["data"]["prompt_template"][0]["text"] = text
    return data


def with_env(data: Data, env: list[Data]) -> Data:
    data["workflow"]["environment_variables"] = env
    return data


def moved(data: Data) -> Data:
    nodes_by_id(data)["end"]["position"] = {"x": 700, "y": 300}
    return data


CHANGES: dict[str, Callable[[Match, Data, Data], tuple[Match, Data, Data]]] = {
    "source-prompt": lambda m, s, t: (m, with_prompt(s, "Summarise in one line."), t),
    "target-prompt": lambda m, s, t: (m, s, with_prompt(t, "Summarise at length.")),
    "target-layout": lambda m, s, t: (m, s, moved(t)),
    "source-layout": lambda m, s, t: (m, moved(s), t),
    "source-variable": lambda m, s, t: (
        m,
        with_env(s, [secret_var("API_KEY"), string_var("REGION", "eu")]),
        t,
    ),
    "target-loses-secret": lambda m, s, t: (m, s, with_env(t, [secret_var("API_KEY")])),
    "target-becomes-equal": lambda m, s, t: (m, s, with_prompt(t, "Summarise briefly.")),
    "target-app-id": lambda m, s, t: (match("Ticket Summary", target_id="t-2"), s, t),
    "mapped-name": lambda m, s, t: (match("Ticket Summary", target_name="Ticket"), s, t),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_change_of_either_side_gives_another_checksum(change: str) -> None:
    assert checksum_of(CHANGES[change]) != checksum_of()


@pytest.mark.parametrize(
    ("options", "target"),
    [
        (PromotionOptions(recreate=True), TARGET),
        (PromotionOptions(confirm_pending="always"), TARGET),
        (PromotionOptions(dependencies="fail"), TARGET),
        (None, TARGET.model_copy(update={"workspace_id": "ws-prod-2"})),
        (None, TARGET.model_copy(update={"host": "https://prod2.dify.test"})),
    ],
)
def test_other_options_or_target_give_another_checksum(
    options: PromotionOptions | None, target: Endpoint
) -> None:
    assert checksum_of(options=options, target=target) != checksum_of()


STABLE: dict[str, Callable[[Match, Data, Data], tuple[Match, Data, Data]]] = {
    "target-canvas-noise": lambda m, s, t: (m, s, canvas_noise(t)),
    "target-dsl-version": lambda m, s, t: (m, s, {**t, "version": "0.1.5"}),
    "source-dsl-version": lambda m, s, t: (m, {**s, "version": "0.6.0"}, t),
    "target-secret-rotated": lambda m, s, t: (
        m,
        s,
        with_env(t, [secret_var("API_KEY", "rotated-Xy7Wv5Ut3Sr1")]),
    ),
}


@pytest.mark.parametrize("churn", sorted(STABLE))
def test_export_churn_and_secret_values_keep_the_checksum(churn: str) -> None:
    assert checksum_of(STABLE[churn]) == checksum_of()


# --- no secret value in the plan ------------------------------------------------------------

BEARER = "Qw3Er5Ty7Ui9Op1As2Df4Gh"
URL_KEY = "Lm4Nb6Vc8Xz0Qa2Ws9Ed"
PROMPT_TOKEN = "sk-" + "Ab3De5Gh7Jk9Mn2Pq4St6Vw8"
SECRETS = [TARGET_SECRET, TARGET_API_KEY, BEARER, URL_KEY, PROMPT_TOKEN, SOURCE_SECRET]


def target_full_of_secrets() -> Data:
    data = http_workflow_app()  # TARGET_API_KEY typed into the http node
    nodes = nodes_by_id(data)
    nodes["http"]["data"]["headers"] = f"Authorization:Bearer {BEARER}\nAccept:application/json"
    nodes["http"]["data"]["url"] = f"https://orders.test/orders?api_key={URL_KEY}"
    nodes["llm"]["data"]["prompt_template"][0]["text"] = f"Call with {PROMPT_TOKEN} only."
    return with_env(data, [secret_var("ORDERS_KEY", TARGET_SECRET), string_var("REGION", "eu")])


def source_variants() -> list[Data]:
    plain = http_workflow_app(api_key="{{#env.ORDERS_KEY#}}")
    with_env(plain, [secret_var("ORDERS_KEY"), string_var("REGION", "us")])
    exported_with_secrets = http_workflow_app(api_key=SOURCE_SECRET)
    with_env(exported_with_secrets, [secret_var("ORDERS_KEY", SOURCE_SECRET)])
    redacted = http_workflow_app(api_key=REDACTED_PLACEHOLDER)
    with_env(redacted, [secret_var("ORDERS_KEY", REDACTED_PLACEHOLDER)])
    return [plain, exported_with_secrets, redacted, target_full_of_secrets()]


@pytest.mark.parametrize(
    "source", source_variants(), ids=["plain", "with-secrets", "redacted", "same-as-target"]
)
@pytest.mark.parametrize("recreate", [False, True])
def test_no_secret_value_reaches_the_plan(source: Data, recreate: bool) -> None:
    plan = plan_of(
        [
            (match("Order Lookup"), source, target_full_of_secrets()),
            (match("Order Lookup", target_mode="chat"), source, target_full_of_secrets()),
            (match("Order Lookup", target_id=None), source, None),
        ],
        PromotionOptions(recreate=recreate),
    )
    exported = document(target_full_of_secrets()).text
    assert all(secret in exported for secret in SECRETS[:5])  # the test has teeth
    rendered = [plan.model_dump_json(), plan_markdown(plan), repr(plan_rows(plan))]
    for secret in SECRETS:
        for text in rendered:
            assert secret not in text
