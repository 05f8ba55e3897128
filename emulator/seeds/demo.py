"""The `demo` seed: three workspaces, a realistic team, and apps of every mode.

Every id and timestamp is fixed, so tests, the README and the demo can name them.
Every seeded account signs in on the `/device` page with the password `demo-password`
(pending invitees cannot sign in).

Workspaces
    Acme Dev     d0000000-0000-4000-8000-000000000001  owner: Ada (her current workspace)
    Acme Prod    d0000000-0000-4000-8000-000000000002  owner: Ada
    Partner Lab  d0000000-0000-4000-8000-000000000003  owner: Margaret; Ada is only `normal`

Accounts (id ac000000-0000-4000-8000-0000000000NN)         Dev       Prod      Partner Lab
    01 ada@acme.example        Ada Lovelace  (demo login)  owner     owner     normal
    02 grace@acme.example      Grace Hopper                admin     admin     -
    03 alan@acme.example       Alan Turing                 editor    normal    -
    04 katherine@acme.example  Katherine Johnson           normal    editor    -
    05 edsger@acme.example     Edsger Dijkstra             dataset_operator (both)
    06 barbara@acme.example    Barbara Liskov              editor    normal    -
    07 newhire@acme.example    newhire (status pending)    normal    -         -
    08 contractor@acme.example contractor (status pending) -         normal    -
    09 margaret@partner.example Margaret Hamilton          -         -         owner
    0a donald@partner.example  Donald Knuth                -         -         admin
    0b radia@partner.example   Radia Perlman               -         -         editor

Apps (id a0000000-0000-4000-8000-000000000NNN; draft workflow f0000000-…-000000000NNN)
  Acme Dev
    101 Support Ticket Triage      workflow       secret env TICKETING_API_KEY (tk-demo-…) used
                                                  by an HTTP node; one published version
                                                  f0000000-0000-4000-8000-000000001101 (older:
                                                  no "Customer tier" input); a run needs the
                                                  required inputs `subject` and `body`
    102 Release Notes Digest       workflow       HTTP-request node + Tavily tool node with a
                                                  credential_id
    103 Policy Helpdesk            advanced-chat  v2: conversation vars last_topic/turn_count,
                                                  knowledge retrieval (2 datasets, Cohere rerank),
                                                  LLM, assigner; access mode public
    104 Onboarding Buddy           chat           access mode public
    105 Market Research Agent      agent-chat     tools with a credential_id
    106 Product Copywriter         completion     Anthropic model
    107 Standalone Research Agent  agent          DSL 0.7.0 style, not listable
    108 Internal Cost Report       workflow       Service API turned off
  Acme Prod
    201 Support Ticket Triage      workflow       identical to Dev 101
    202 Policy Helpdesk            advanced-chat  v1: older prompt/model, no assigner, one
                                                  dataset (a promotion from Dev has an update);
                                                  live: its v1 draft is published as
                                                  f0000000-0000-4000-8000-000000001202
  Partner Lab
    301 Partner FAQ Bot            chat           access mode public
    302 Lab Notes Summarizer       workflow

Installed plugins: Dev has openai, tavily, cohere, anthropic, time; Prod lacks cohere (so
importing the Policy Helpdesk into Prod leaks `langgenius/cohere`); Partner Lab has openai.

Dataset ids used by the Policy Helpdesk (stored plain, exported encrypted per workspace):
da7a5e70-0001-4c3b-8a9d-1e2f3a4b5c01 (HR handbook), da7a5e70-0002-4c3b-8a9d-1e2f3a4b5c02
(travel handbook).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import yaml

from emulator.backend.dsl_content import app_content
from emulator.backend.passwords import seed_password_hash
from emulator.store import Store
from emulator.store.rows import AccountRow, AppRow, WorkflowRow, WorkspaceRow

DEMO_PASSWORD = "demo-password"  # noqa: S105 - the documented password of every demo account

ACME_DEV = "d0000000-0000-4000-8000-000000000001"
ACME_PROD = "d0000000-0000-4000-8000-000000000002"
PARTNER_LAB = "d0000000-0000-4000-8000-000000000003"


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def account_id(number: int) -> str:
    return f"ac000000-0000-4000-8000-{number:012x}"


def app_id(number: int) -> str:
    return f"a0000000-0000-4000-8000-{number:012d}"


def workflow_id(number: int) -> str:
    return f"f0000000-0000-4000-8000-{number:012d}"


WORKSPACES = (
    (ACME_DEV, "Acme Dev", "2025-03-01T08:00:00"),
    (ACME_PROD, "Acme Prod", "2025-03-01T08:05:00"),
    (PARTNER_LAB, "Partner Lab", "2025-03-02T10:00:00"),
)

# (number, email, name, status)
ACCOUNTS = (
    (0x01, "ada@acme.example", "Ada Lovelace", "active"),
    (0x02, "grace@acme.example", "Grace Hopper", "active"),
    (0x03, "alan@acme.example", "Alan Turing", "active"),
    (0x04, "katherine@acme.example", "Katherine Johnson", "active"),
    (0x05, "edsger@acme.example", "Edsger Dijkstra", "active"),
    (0x06, "barbara@acme.example", "Barbara Liskov", "active"),
    (0x07, "newhire@acme.example", "newhire", "pending"),
    (0x08, "contractor@acme.example", "contractor", "pending"),
    (0x09, "margaret@partner.example", "Margaret Hamilton", "active"),
    (0x0A, "donald@partner.example", "Donald Knuth", "active"),
    (0x0B, "radia@partner.example", "Radia Perlman", "active"),
)

# (workspace, account number, role)
MEMBERSHIPS = (
    (ACME_DEV, 0x01, "owner"),
    (ACME_DEV, 0x02, "admin"),
    (ACME_DEV, 0x03, "editor"),
    (ACME_DEV, 0x06, "editor"),
    (ACME_DEV, 0x04, "normal"),
    (ACME_DEV, 0x05, "dataset_operator"),
    (ACME_DEV, 0x07, "normal"),
    (ACME_PROD, 0x01, "owner"),
    (ACME_PROD, 0x02, "admin"),
    (ACME_PROD, 0x04, "editor"),
    (ACME_PROD, 0x03, "normal"),
    (ACME_PROD, 0x06, "normal"),
    (ACME_PROD, 0x05, "dataset_operator"),
    (ACME_PROD, 0x08, "normal"),
    (PARTNER_LAB, 0x09, "owner"),
    (PARTNER_LAB, 0x0A, "admin"),
    (PARTNER_LAB, 0x0B, "editor"),
    (PARTNER_LAB, 0x01, "normal"),
)

# The membership flagged current for each account (Ada works in Acme Dev).
CURRENT = {0x01: ACME_DEV, 0x09: PARTNER_LAB}


@dataclass(frozen=True)
class SeedApp:
    number: int
    workspace_id: str
    dsl_file: str
    created: str
    updated: str
    enable_api: bool = True
    access_mode: str = "private"
    tags: tuple[str, ...] = ()


APPS = (
    SeedApp(
        101,
        ACME_DEV,
        "support_ticket_triage.yml",
        "2025-03-10T09:00:00",
        "2025-04-02T14:30:00",
        tags=("support",),
    ),
    SeedApp(
        102, ACME_DEV, "release_notes_digest.yml", "2025-03-11T10:00:00", "2025-03-28T16:45:00"
    ),
    SeedApp(
        103,
        ACME_DEV,
        "policy_helpdesk.yml",
        "2025-03-12T11:00:00",
        "2025-04-15T09:20:00",
        access_mode="public",
        tags=("support", "hr"),
    ),
    SeedApp(
        104,
        ACME_DEV,
        "onboarding_buddy.yml",
        "2025-03-13T12:00:00",
        "2025-03-20T08:10:00",
        access_mode="public",
    ),
    SeedApp(105, ACME_DEV, "research_agent.yml", "2025-03-14T13:00:00", "2025-03-25T11:00:00"),
    SeedApp(
        106,
        ACME_DEV,
        "product_copywriter.yml",
        "2025-03-15T14:00:00",
        "2025-03-18T17:30:00",
        tags=("marketing",),
    ),
    SeedApp(
        107, ACME_DEV, "standalone_research_agent.yml", "2025-03-16T15:00:00", "2025-03-16T15:00:00"
    ),
    SeedApp(
        108,
        ACME_DEV,
        "internal_cost_report.yml",
        "2025-03-17T16:00:00",
        "2025-03-30T10:00:00",
        enable_api=False,
        tags=("internal",),
    ),
    SeedApp(
        201,
        ACME_PROD,
        "support_ticket_triage.yml",
        "2025-04-03T09:00:00",
        "2025-04-03T09:00:00",
        tags=("support",),
    ),
    SeedApp(
        202,
        ACME_PROD,
        "policy_helpdesk_v1.yml",
        "2025-03-20T09:00:00",
        "2025-03-20T09:00:00",
        access_mode="private",
        tags=("support", "hr"),
    ),
    SeedApp(
        301,
        PARTNER_LAB,
        "partner_faq_bot.yml",
        "2025-03-05T10:00:00",
        "2025-03-06T10:00:00",
        access_mode="public",
    ),
    SeedApp(302, PARTNER_LAB, "lab_summarizer.yml", "2025-03-06T11:00:00", "2025-03-06T11:00:00"),
)

PUBLISHED_TRIAGE = workflow_id(1101)
PUBLISHED_PROD_HELPDESK = workflow_id(1202)

INSTALLED_PLUGINS = {
    ACME_DEV: [
        "langgenius/anthropic",
        "langgenius/cohere",
        "langgenius/openai",
        "langgenius/tavily",
        "langgenius/time",
    ],
    ACME_PROD: [
        "langgenius/anthropic",
        "langgenius/openai",
        "langgenius/tavily",
        "langgenius/time",
    ],
    PARTNER_LAB: ["langgenius/openai"],
}


def load_dsl(file_name: str) -> dict[str, Any]:
    """A seed DSL, parsed once per process (a reset per test must stay cheap)."""
    return copy.deepcopy(_parsed_dsl(file_name))


@functools.cache
def _parsed_dsl(file_name: str) -> dict[str, Any]:
    text = resources.files("emulator.seeds.dsl").joinpath(file_name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"seed DSL {file_name} is not a mapping")
    return data


def apply(store: Store) -> None:
    with store.transaction():
        _seed_people(store)
        for seed_app in APPS:
            _seed_app(store, seed_app)
        _seed_published(store, 101, PUBLISHED_TRIAGE, "2025-03-21T12:00:00", _without_tier)
        # Prod's Policy Helpdesk is live: its v1 draft, published as it is.
        _seed_published(store, 202, PUBLISHED_PROD_HELPDESK, "2025-03-20T09:30:00", None)
        for workspace, plugins in INSTALLED_PLUGINS.items():
            store.apps.set_installed_plugins(workspace, plugins)


def _seed_people(store: Store) -> None:
    for workspace_id, name, created in WORKSPACES:
        store.people.insert_workspace(
            WorkspaceRow(id=workspace_id, name=name, status="normal", created_at=_ts(created))
        )
    password_hash = seed_password_hash(DEMO_PASSWORD)
    base = _ts("2025-03-01T09:00:00")
    for number, email, name, status in ACCOUNTS:
        store.people.insert_account(
            AccountRow(
                id=account_id(number),
                email=email,
                name=name,
                password_hash=password_hash if status == "active" else None,
                status=status,
                avatar=None,
                created_at=base + 3600.0 * number,
            )
        )
    for index, (workspace_id, number, role) in enumerate(MEMBERSHIPS):
        store.people.add_membership(
            workspace_id,
            account_id(number),
            role,
            base + 60.0 * index,
            current=CURRENT.get(number) == workspace_id,
        )


def _seed_app(store: Store, seed_app: SeedApp) -> None:
    data = load_dsl(seed_app.dsl_file)
    app_block = data["app"]
    content = app_content(data, app_block["mode"], seed_app.workspace_id)
    created, updated = _ts(seed_app.created), _ts(seed_app.updated)
    store.apps.insert_app(
        AppRow(
            id=app_id(seed_app.number),
            workspace_id=seed_app.workspace_id,
            mode=content.mode,
            name=app_block["name"],
            description=app_block.get("description", ""),
            icon_type=app_block.get("icon_type", "emoji"),
            icon=app_block.get("icon", ""),
            icon_background=app_block.get("icon_background", "#FFFFFF"),
            use_icon_as_answer_icon=bool(app_block.get("use_icon_as_answer_icon", False)),
            enable_site=True,
            enable_api=seed_app.enable_api,
            status="normal",
            access_mode=seed_app.access_mode,
            tags=list(seed_app.tags),
            config=content.config,
            dependencies=content.dependencies,
            created_by=account_id(0x01),
            created_at=created,
            updated_at=updated,
        )
    )
    if content.workflow is not None:
        row = content.workflow.to_row(
            workflow_id=workflow_id(seed_app.number),
            app_id=app_id(seed_app.number),
            version="draft",
            at=created,
        )
        store.apps.upsert_workflow(_with_updated(row, updated))


def _without_tier(graph: dict[str, Any]) -> None:
    """The Dev triage app's older published version had no customer-tier input."""
    for node in graph["nodes"]:
        if node["data"]["type"] == "start":
            variables = node["data"]["variables"]
            node["data"]["variables"] = [v for v in variables if v["variable"] != "tier"]


def _seed_published(
    store: Store,
    number: int,
    published_id: str,
    at_text: str,
    edit: Callable[[dict[str, Any]], None] | None,
) -> None:
    """A published version of app `number`'s draft, its graph changed by `edit`."""
    draft = store.apps.draft_workflow(app_id(number))
    if draft is None:
        raise RuntimeError(f"seed order: the draft of app {number} must exist first")
    graph = copy.deepcopy(draft.graph)
    if edit is not None:
        edit(graph)
    at = _ts(at_text)
    store.apps.upsert_workflow(
        _with_updated(
            WorkflowRow(
                id=published_id,
                app_id=draft.app_id,
                version=datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
                graph=graph,
                features=draft.features,
                environment_variables=draft.environment_variables,
                conversation_variables=draft.conversation_variables,
                rag_pipeline_variables=draft.rag_pipeline_variables,
                created_at=at,
                updated_at=at,
            ),
            at,
        )
    )


def _with_updated(row: WorkflowRow, updated: float) -> WorkflowRow:
    return dataclasses.replace(row, updated_at=updated)
