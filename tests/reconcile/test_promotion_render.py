"""What a reviewer sees of a promotion plan and result (`promotion_render`), and the plan's
and result's own verdicts (`has_changes`, `summary`, `ok`)."""

from __future__ import annotations

import re

import pytest

from reconcile.promotion.plan import Action, Endpoint, PlannedApp, PromotionOptions, PromotionPlan
from reconcile.promotion.render import plan_markdown, plan_rows, result_markdown
from reconcile.promotion.result import AppResult, Outcome, PromotionResult
from tests.reconcile.promotion_fixtures import SOURCE, TARGET

HASH = "0" * 64


def planned(name: str, action: Action, **fields: object) -> PlannedApp:
    values: dict[str, object] = {
        "name": name,
        "mode": "workflow",
        "action": action,
        "target_name": name,
        "source_hash": HASH,
    }
    values.update(fields)
    return PlannedApp.model_validate(values)


def plan_with(*apps: PlannedApp, options: PromotionOptions | None = None) -> PromotionPlan:
    return PromotionPlan(
        source=SOURCE, target=TARGET, options=options or PromotionOptions(), apps=list(apps)
    ).sealed()


UPDATE_DIFF = "#### DSL diff: `old` → `new`\n\n**1 node changed**\n"
REVIEW_PLAN = plan_with(
    planned("Ticket Summary", Action.CREATE, summary="new workflow app (3 nodes)"),
    planned(
        "Policy Helpdesk",
        Action.UPDATE,
        mode="advanced-chat",
        target_name="Policy Helpdesk (EU)",
        summary="1 node changed, start input renamed (breaking)",
        breaking=["start input 'query' renamed to 'question'"],
        attention=['node "Policies": knowledge base binding will not carry over'],
        follow_ups=["set secret environment variable API_KEY in the target"],
        diff_markdown=UPDATE_DIFF,
    ),
    planned(
        "Front Desk",
        Action.BLOCKED,
        mode="chat",
        summary="model config changed",
        reason="the target app is a chat app; use --recreate",
    ),
    planned("Night Desk", Action.RECREATE, mode="chat", reason="imports a new app beside it"),
    planned("Quiet App", Action.UNCHANGED, summary="no behaviour change"),
)


# --- PromotionPlan --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actions", "has_changes", "summary"),
    [
        ([], False, "no apps selected"),
        ([Action.UNCHANGED], False, "1 unchanged"),
        ([Action.BLOCKED, Action.UNCHANGED, Action.BLOCKED], False, "1 unchanged, 2 blocked"),
        ([Action.CREATE], True, "1 create"),
        ([Action.UPDATE, Action.UNCHANGED], True, "1 update, 1 unchanged"),
        ([Action.RECREATE, Action.BLOCKED], True, "1 blocked, 1 recreate"),
        (
            [Action.RECREATE, Action.UPDATE, Action.CREATE, Action.CREATE],
            True,
            "2 create, 1 update, 1 recreate",
        ),
    ],
)
def test_plan_has_changes_and_summary(
    actions: list[Action], has_changes: bool, summary: str
) -> None:
    plan = plan_with(*(planned(f"app {i}", a) for i, a in enumerate(actions)))
    assert plan.has_changes is has_changes
    assert plan.summary() == summary


def test_plan_count() -> None:
    assert [REVIEW_PLAN.count(a) for a in Action] == [1, 1, 1, 1, 1]


# --- plan_rows ------------------------------------------------------------------------------


def test_plan_rows() -> None:
    assert plan_rows(REVIEW_PLAN) == [
        ["+", "Ticket Summary", "workflow", "create", "new workflow app (3 nodes)"],
        [
            "~",
            "Policy Helpdesk → Policy Helpdesk (EU)",
            "advanced-chat",
            "update",
            "1 node changed, start input renamed (breaking)",
        ],
        ["!", "Front Desk", "chat", "blocked", "the target app is a chat app; use --recreate"],
        ["+!", "Night Desk", "chat", "recreate", "imports a new app beside it"],
        ["=", "Quiet App", "workflow", "unchanged", "no behaviour change"],
    ]


# --- plan_markdown --------------------------------------------------------------------------


def test_plan_markdown() -> None:
    assert plan_markdown(REVIEW_PLAN) == (
        "# Dify promotion plan\n"
        "\n"
        "From **Dev on https://dev.dify.test** to **Prod on https://prod.dify.test**: "
        "1 create, 1 update, 1 unchanged, 1 blocked, 1 recreate.\n"
        "\n"
        f"Checksum `{REVIEW_PLAN.checksum}`; pending imports: never; missing plugins: warn.\n"
        "\n"
        "|  | app | mode | action | what |\n"
        "|---|---|---|---|---|\n"
        "| + | Ticket Summary | workflow | create | new workflow app (3 nodes) |\n"
        "| ~ | Policy Helpdesk → Policy Helpdesk (EU) | advanced-chat | update | "
        "1 node changed, start input renamed (breaking) |\n"
        "| ! | Front Desk | chat | blocked | the target app is a chat app; use --recreate |\n"
        "| +! | Night Desk | chat | recreate | imports a new app beside it |\n"
        "| = | Quiet App | workflow | unchanged | no behaviour change |\n"
        "\n"
        "## Policy Helpdesk (update)\n"
        "\n"
        "- **breaking:** start input 'query' renamed to 'question'\n"
        '- needs attention in the target: node "Policies": knowledge base binding will not '
        "carry over\n"
        "- follow-up after apply: set secret environment variable API_KEY in the target\n"
        "\n"
        "#### DSL diff: `old` → `new`\n"
        "\n"
        "**1 node changed**\n"
    )


def test_plan_markdown_shows_the_options_and_a_git_source() -> None:
    git = Endpoint(
        kind="git",
        repo="./backup",
        ref="main",
        commit="0123456789abcdef0123",
        path="dify.acme.test/acme-dev",
    )
    plan = PromotionPlan(
        source=git,
        target=TARGET,
        options=PromotionOptions(confirm_pending="minor", dependencies="fail"),
        apps=[],
    ).sealed()
    lines = plan_markdown(plan).splitlines()
    assert lines[2] == (
        "From **git main (0123456789ab) dify.acme.test/acme-dev** to "
        "**Prod on https://prod.dify.test**: no apps selected."
    )
    assert lines[4] == f"Checksum `{plan.checksum}`; pending imports: minor; missing plugins: fail."


@pytest.mark.parametrize(
    ("endpoint", "label"),
    [
        (Endpoint(kind="git", ref="v1.2", commit="abcdef0123456789"), "git v1.2 (abcdef012345)"),
        (
            Endpoint(kind="workspace", workspace_id="ws-9", host="https://h.test"),
            "ws-9 on https://h.test",
        ),
        (
            Endpoint(
                kind="workspace", workspace_id="ws-9", workspace_name="Ops", host="https://h.test"
            ),
            "Ops on https://h.test",
        ),
    ],
)
def test_endpoint_labels(endpoint: Endpoint, label: str) -> None:
    assert endpoint.label() == label


def test_an_app_with_notes_but_no_diff_gets_a_section() -> None:
    plan = plan_with(
        planned(
            "Ticket Summary",
            Action.CREATE,
            follow_ups=["set secret environment variable API_KEY in the target"],
        )
    )
    assert plan_markdown(plan).endswith(
        "\n## Ticket Summary (create)\n\n"
        "- follow-up after apply: set secret environment variable API_KEY in the target\n"
    )


def test_a_pipe_in_an_app_name_does_not_break_the_table() -> None:
    plan = plan_with(planned("Sales | EU", Action.CREATE, summary="new workflow app"))
    [row] = [line for line in plan_markdown(plan).splitlines() if line.startswith("| + |")]
    cells = re.split(r"(?<!\\)\|", row.strip().strip("|"))
    assert len(cells) == 5


# --- PromotionResult ------------------------------------------------------------------------


def result(name: str, outcome: Outcome, **fields: object) -> AppResult:
    values: dict[str, object] = {
        "name": name,
        "target_name": name,
        "action": Action.UPDATE,
        "outcome": outcome,
    }
    values.update(fields)
    return AppResult.model_validate(values)


@pytest.mark.parametrize(
    ("outcomes", "ok", "summary"),
    [
        ([], True, "nothing to do"),
        ([Outcome.APPLIED, Outcome.UNCHANGED], True, "1 applied, 1 unchanged"),
        ([Outcome.APPLIED, Outcome.ROLLED_BACK], False, "1 applied, 1 rolled back"),
        ([Outcome.FAILED], False, "1 failed"),
        ([Outcome.PENDING, Outcome.APPLIED], False, "1 applied, 1 pending"),
        ([Outcome.BLOCKED, Outcome.BLOCKED], True, "2 blocked"),  # reviewed in the plan
        (
            [Outcome.BLOCKED, Outcome.PENDING, Outcome.FAILED, Outcome.ROLLED_BACK],
            False,
            "1 rolled back, 1 failed, 1 pending, 1 blocked",
        ),
    ],
)
def test_result_ok_and_summary(outcomes: list[Outcome], ok: bool, summary: str) -> None:
    run = PromotionResult(
        checksum="sha256:abc", apps=[result(f"app {i}", o) for i, o in enumerate(outcomes)]
    )
    assert run.ok is ok
    assert run.summary() == summary


def test_result_markdown() -> None:
    run = PromotionResult(
        checksum="sha256:abc",
        apps=[
            result(
                "Policy Helpdesk",
                Outcome.APPLIED,
                target_name="Policy Helpdesk (EU)",
                message="imported over app t-2",
                follow_ups=[
                    "set secret environment variable API_KEY in the target",
                    "re-enter the credential at workflow.graph.nodes[3].data.headers",
                ],
            ),
            result(
                "Ticket Summary",
                Outcome.ROLLED_BACK,
                message="verification found 1 node changed; rolled back",
            ),
            result("Quiet App", Outcome.UNCHANGED, action=Action.UNCHANGED),
        ],
    )
    assert result_markdown(run) == (
        "# Dify promotion result\n"
        "\n"
        "1 applied, 1 unchanged, 1 rolled back (plan `sha256:abc`)\n"
        "\n"
        "| app | outcome | message |\n"
        "|---|---|---|\n"
        "| Policy Helpdesk (EU) | applied | imported over app t-2 |\n"
        "| Ticket Summary | rolled back | verification found 1 node changed; rolled back |\n"
        "| Quiet App | unchanged |  |\n"
        "\n"
        "## Follow-ups\n"
        "\n"
        "- Policy Helpdesk (EU): set secret environment variable API_KEY in the target\n"
        "- Policy Helpdesk (EU): re-enter the credential at workflow.graph.nodes[3].data.headers\n"
    )


def test_result_markdown_without_follow_ups_has_no_follow_up_section() -> None:
    run = PromotionResult(checksum="sha256:abc", apps=[result("A", Outcome.APPLIED)])
    assert "Follow-ups" not in result_markdown(run)
    assert result_markdown(run).endswith("| A | applied |  |\n")


def test_result_markdown_of_a_plan_applied_already() -> None:
    run = PromotionResult(checksum="sha256:abc", nothing_to_do=True)
    assert result_markdown(run) == (
        "# Dify promotion result\n"
        "\n"
        "nothing to do (plan `sha256:abc`)\n"
        "\n"
        "The plan had been applied already: nothing to do.\n"
    )
