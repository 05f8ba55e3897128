"""Members plans and apply results as table rows (CLI) and Markdown (Prefect artifacts).

Nothing here can print an invitation link: plans never hold one, and apply results keep
them in a field that is excluded from every dump and rendered nowhere.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from reconcile.markdown import cell, table
from reconcile.members.planner import MemberItem, MembersPlan
from reconcile.members.run import MembersApplyResult, MembersPlanSet, WorkspaceApplyResult

PLAN_COLUMNS = ("ACTION", "EMAIL", "ROLE", "STATUS", "NOTE")
APPLY_COLUMNS = ("RESULT", "ACTION", "EMAIL", "ROLE", "MESSAGE")
# An artifact is read by a person: past this, sections end with "… and N more".
MARKDOWN_ROW_LIMIT = 200
# The same for a terminal: past this, the table ends with a count of the rows left out.
TABLE_ROW_LIMIT = 200

ACTION_LABELS = {
    "invite": "invite",
    "role_change": "role change",
    "remove": "remove",
    "unchanged": "unchanged",
    "not_manageable": "not manageable",
    "unlisted": "unlisted",
}


def role_text(item: MemberItem) -> str:
    if item.action == "invite":
        return f"→ {item.desired_role}"
    if item.action == "role_change":
        return f"{item.role} → {item.desired_role}"
    if item.action == "remove":
        return f"{item.role} → (removed)"
    return item.role or item.desired_role or ""


def plan_rows(
    plan: MembersPlan, *, include_unchanged: bool = False, limit: int | None = None
) -> list[list[str]]:
    """Rows for PLAN_COLUMNS: changes first (in apply order), then what is left alone;
    the first `limit` of them only, when given (a table of thousands is read by no one)."""
    shown = (i for i in plan.items if include_unchanged or i.action != "unchanged")
    return [
        [ACTION_LABELS[i.action], i.email, role_text(i), i.status or "", i.note or ""]
        for i in itertools.islice(shown, limit)
    ]


def plan_row_count(plan: MembersPlan, *, include_unchanged: bool = False) -> int:
    return sum(1 for i in plan.items if include_unchanged or i.action != "unchanged")


def plan_heading(plan: MembersPlan) -> str:
    actor = f", acting as {plan.actor_email}" if plan.actor_email else ""
    host = f" on {plan.base_url}" if plan.base_url else ""
    return f"{plan.workspace_name} ({plan.workspace_id}){host}{actor}"


def plan_markdown(plan_set: MembersPlanSet) -> str:
    lines = [f"# Members plan for `{plan_set.manifest}`", ""]
    verdict = "changes to apply" if plan_set.has_changes else "no changes"
    lines += [f"**{verdict}** · checksum `{plan_set.checksum}`", ""]
    for plan in plan_set.plans:
        lines += [f"## {cell(plan_heading(plan))}", "", plan.summary() + ".", ""]
        lines += [f"- {cell(note)}" for note in plan.notes]
        if plan.notes:
            lines.append("")
        shown = [i for i in plan.items if i.action != "unchanged"]
        if shown:
            lines += _table(
                PLAN_COLUMNS,
                ([ACTION_LABELS[i.action], i.email, role_text(i), i.status, i.note] for i in shown),
                total=len(shown),
            )
    return "\n".join(lines).rstrip() + "\n"


def apply_rows(result: WorkspaceApplyResult) -> list[list[str]]:
    return [
        [
            o.status.replace("_", " "),
            ACTION_LABELS[o.action],
            o.email,
            _outcome_role(o.action, o.role, o.desired_role),
            _outcome_message(o.code, o.message, o.hint),
        ]
        for o in result.outcomes
    ]


def apply_markdown(result: MembersApplyResult) -> str:
    lines = ["# Members apply", "", f"**{result.summary()}**", ""]
    for workspace in result.results:
        lines += [f"## {cell(workspace.workspace_name)} ({workspace.workspace_id})", ""]
        rows = apply_rows(workspace)
        if rows:
            lines += _table(APPLY_COLUMNS, rows, total=len(rows))
        else:
            lines += ["Nothing to apply.", ""]
    return "\n".join(lines).rstrip() + "\n"


def _outcome_role(action: str, role: str | None, desired: str | None) -> str:
    if action == "invite":
        return f"→ {desired}"
    if action == "remove":
        return f"{role} → (removed)"
    return f"{role} → {desired}"


def _outcome_message(code: str | None, message: str | None, hint: str | None) -> str:
    parts = [f"{code}: {message}" if code else message or "", hint or ""]
    return " — ".join(part for part in parts if part)


def _table(
    columns: Iterable[str], rows: Iterable[Iterable[str | None]], *, total: int
) -> list[str]:
    lines = table(columns, itertools.islice(rows, MARKDOWN_ROW_LIMIT))
    if total > MARKDOWN_ROW_LIMIT:
        lines += ["", f"… and {total - MARKDOWN_ROW_LIMIT} more."]
    return [*lines, ""]
