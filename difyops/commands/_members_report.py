"""What `difyops members plan|apply` print: plans as tables, apply outcomes, and the
notes about invitation links (said while they can still be acted on)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from difyops._output import Output
from reconcile.members.render import (
    APPLY_COLUMNS,
    PLAN_COLUMNS,
    TABLE_ROW_LIMIT,
    apply_rows,
    plan_heading,
    plan_row_count,
    plan_rows,
)
from reconcile.members.run import MembersPlanSet

if TYPE_CHECKING:
    from flows.sync_members import MembersSync


def print_plan(
    out: Output, plan_set: MembersPlanSet, *, show_unchanged: bool, advise_links: bool = True
) -> None:
    for plan in plan_set.plans:
        out.out.print(plan_heading(plan), markup=False)
        out.table(
            PLAN_COLUMNS,
            plan_rows(plan, include_unchanged=show_unchanged, limit=TABLE_ROW_LIMIT),
            empty="  no members to show",
        )
        hidden = plan_row_count(plan, include_unchanged=show_unchanged) - TABLE_ROW_LIMIT
        if hidden > 0:
            out.line(f"… and {hidden} more (--out FILE or --json lists them all)")
        for note in plan.notes:
            out.note(f"note: {note}")
        out.line(f"Plan: {plan.summary()}.")
    verdict = "changes to apply" if plan_set.has_changes else "no changes"
    out.line(f"{verdict} · checksum {plan_set.checksum}")
    invites = invite_count(plan_set)
    if invites and advise_links:
        # Said now, while it can still be acted on: once invited, a member is pending and
        # is never invited again, so a link not saved by that apply is never saved.
        out.note(
            f"note: {invites} invitation(s): Dify e-mails each invitee; to keep their links, "
            "apply with --invite-urls FILE (written 0600 as each invite succeeds)"
        )


def warn_links_not_kept(out: Output, plan_set: MembersPlanSet) -> None:
    """Before the first change of an apply that keeps no links: once invited, a member is
    pending and never invited again, so this is the last moment to choose otherwise."""
    invites = invite_count(plan_set)
    if invites:
        out.warn(
            f"{invites} invitation(s) to send and no --invite-urls: the invitation links "
            "will not be saved; Dify e-mails each invitee their invitation (when the "
            "server's mail is set up)"
        )


def invite_count(plan_set: MembersPlanSet) -> int:
    return sum(plan.count("invite") for plan in plan_set.plans)


def report_apply(out: Output, run: MembersSync, path: Path | None, *, json_output: bool) -> None:
    applied = run.applied
    saved = applied.invite_links_saved if applied is not None else 0
    written = str(path) if path is not None and saved else None
    if json_output:
        out.json({"plan": run.plan, "applied": applied, "invite_urls_file": written})
        return
    for plan in run.plan.plans:
        for note in plan.notes:
            out.note(f"note: {plan.workspace_name}: {note}")
    if run.already_applied:
        out.success("the reviewed plan is already applied; nothing to do")
        return
    if applied is None:
        out.success("no changes; nothing to apply")
        return
    for result in applied.results:
        out.line(f"{result.workspace_name} ({result.workspace_id})")
        out.table(APPLY_COLUMNS, apply_rows(result), empty="  nothing to apply")
    out.line(f"Apply: {applied.summary()}.")
    sent = len(applied.invite_urls)
    if written:
        out.note(f"{saved} invitation link(s) added to {written} (mode 0600)")
    if sent > saved:
        # No advice here: these invitees are pending now and are never invited again.
        out.note(
            f"{sent - saved} invitation(s) sent; Dify e-mails each invitee their invitation "
            "(when the server's mail is set up). The links were not saved."
        )
