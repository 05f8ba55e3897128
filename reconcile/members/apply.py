"""Applying a members plan through the ports: one call per change, past failures. Pure.

The policy lives here: which plans are opened at all, the refusal of a connection to
another host than the plan was made on, which of Dify's answers mean "already done", and
that one change's failure — whatever raised it — is that change's outcome and never
stops the changes after it.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from contextlib import ExitStack

from pydantic import SecretStr

from dify_client.models import AssignableRole
from reconcile.errors import PlanError
from reconcile.members.planner import MemberItem, MembersPlan
from reconcile.members.ports import (
    CallFailed,
    ChangeProgress,
    InviteJournal,
    InviteLinkSink,
    MemberWriter,
    OpenWriter,
)
from reconcile.members.run import (
    ChangeOutcome,
    MembersApplyResult,
    MembersPlanSet,
    OutcomeStatus,
    WorkspaceApplyResult,
    already_done,
)

logger = logging.getLogger(__name__)

WRONG_HOST_HINT = "Apply with the profile or DIFY_SERVER the plan was made with."
UNEXPECTED_HINT = "The next plan shows whether it was made; if this repeats, report it as a bug."
LINK_NOT_KEPT_HINT = "Dify e-mails the invitation to the invitee."
REISSUED = "invited again: an earlier run stopped before keeping the link; Dify issued a new one"
READ_BACK = "the call got no answer; reading the members back showed the change made"
ASSIGNABLE = ("normal", "admin")


def apply_members(
    plan_set: MembersPlanSet,
    open_writer: OpenWriter,
    links: InviteLinkSink | None = None,
    relink: Collection[str] = (),
    progress: ChangeProgress | None = None,
) -> MembersApplyResult:
    """Make every change of every workspace plan, one call each, carrying on past failures.

    `links` keeps each invitation link the moment its invite succeeds (and notes each
    invitee just before the call). `relink` names invitees an earlier run invited without
    keeping the link: those still pending are invited again, which makes Dify issue a new
    link (contract §3.3: re-inviting a pending member re-issues its token, role unchanged).
    `progress` hears of each change as its call starts and ends.
    """
    kept = _KeptLinks(links) if links is not None else None
    wanted = set(relink) if kept is not None else set()
    results = [
        _apply_workspace(plan, open_writer, kept, wanted, progress) for plan in plan_set.plans
    ]
    return MembersApplyResult(
        results=results, invite_links_saved=kept.saved if kept is not None else 0
    )


class _KeptLinks:
    """The sink, counting what it kept (the links themselves are never reported)."""

    def __init__(self, sink: InviteLinkSink) -> None:
        self.sink = sink
        self.saved = 0

    def intend(self, email: str) -> None:
        if isinstance(self.sink, InviteJournal):
            self.sink.intend(email)

    def add(self, email: str, url: SecretStr) -> None:
        self.sink.add(email, url)
        self.saved += 1


def reinvites(plan: MembersPlan, relink: Collection[str]) -> list[MemberItem]:
    """The plan's pending invitees named in `relink`, as invites again (their live role)."""
    return [
        item.model_copy(update={"action": "invite", "desired_role": item.role})
        for item in plan.items
        if item.status == "pending" and item.email in relink and item.role in ASSIGNABLE
    ]


def _apply_workspace(
    plan: MembersPlan,
    open_writer: OpenWriter,
    links: _KeptLinks | None,
    relink: set[str],
    progress: ChangeProgress | None = None,
) -> WorkspaceApplyResult:
    result = WorkspaceApplyResult(
        workspace_id=plan.workspace_id, workspace_name=plan.workspace_name
    )
    again = reinvites(plan, relink)
    changes = [*plan.changes, *again]
    if not changes:
        return result
    with ExitStack() as stack:
        try:
            writer = stack.enter_context(open_writer(plan))
        except Exception as exc:  # noqa: BLE001 — see _failure: one workspace must not stop the rest
            result.outcomes += [_failure(change, exc) for change in changes]
            return result
        if plan.base_url and writer.base_url != plan.base_url:
            wrong_host = PlanError(
                f"the plan for {plan.workspace_name!r} was made on {plan.base_url}, "
                f"but the connection is to {writer.base_url}",
                hint=WRONG_HOST_HINT,
            )
            result.outcomes += [_failure(change, wrong_host) for change in changes]
            return result
        for change in plan.changes:
            _started(progress, plan, change)
            result.outcomes.append(_apply_change(writer, change, result, links))
            _finished(progress, plan, result.outcomes[-1])
        for change in again:
            _started(progress, plan, change)
            outcome = _apply_change(writer, change, result, links)
            if outcome.status == "done" and outcome.message is None:
                outcome = outcome.model_copy(update={"message": REISSUED})
            result.outcomes.append(outcome)
            _finished(progress, plan, outcome)
    return result


def _started(progress: ChangeProgress | None, plan: MembersPlan, change: MemberItem) -> None:
    if progress is not None:
        progress.started(plan.workspace_name, change)


def _finished(progress: ChangeProgress | None, plan: MembersPlan, outcome: ChangeOutcome) -> None:
    if progress is not None:
        progress.finished(plan.workspace_name, outcome)


def _apply_change(
    writer: MemberWriter,
    change: MemberItem,
    result: WorkspaceApplyResult,
    links: _KeptLinks | None,
) -> ChangeOutcome:
    try:
        if change.action == "invite":
            if links is not None:
                links.intend(change.email)
            url = writer.invite(change.email, _assignable(change.desired_role))
            result.invite_urls[change.email] = url
            if links is not None:
                return _keep_link(links, change, url)
        elif change.action == "role_change":
            writer.update_role(_member_id(change), _assignable(change.desired_role))
        else:
            writer.remove(_member_id(change))
    except CallFailed as exc:
        if exc.maybe_applied and _reads_back_made(writer, change):
            return _made_unanswered(change, links)
        return _refused(change, exc)
    except Exception as exc:  # noqa: BLE001 — see _failure
        return _failure(change, exc)
    return ChangeOutcome.of(change, "done")


def _reads_back_made(writer: MemberWriter, change: MemberItem) -> bool:
    """Whether the workspace, read back, shows the change made. A call sent without an
    answer may have been made all the same (the connection lost after the server's
    write): reported failed, it would be a change the next run silently finds done."""
    try:
        live = {m.email.casefold(): m for m in writer.members()}
    except Exception:  # best effort: the call's own failure is reported
        logger.debug("reading back the members after %s failed", change.email, exc_info=True)
        return False
    member = live.get(change.email.casefold())
    if change.action == "remove":
        return member is None
    return member is not None and member.role == change.desired_role


def _made_unanswered(change: MemberItem, links: _KeptLinks | None) -> ChangeOutcome:
    if change.action != "invite":
        return ChangeOutcome.of(change, "done", message=READ_BACK)
    # The invitation stands, but its link came with the answer that was lost; a journal
    # noted the invitee before the call, so a later run with it issues a new link.
    again = links is not None and isinstance(links.sink, InviteJournal)
    return ChangeOutcome.of(
        change,
        "done",
        message=f"{READ_BACK}; its link never arrived"
        + ("; the next apply with the same file invites again for a new one" if again else ""),
        hint=LINK_NOT_KEPT_HINT,
    )


def _refused(change: MemberItem, exc: CallFailed) -> ChangeOutcome:
    """Dify's answer, or the reason none came; some answers mean another run, or a
    person in the console, got there first."""
    done = exc.http_status is not None and already_done(change.action, exc.http_status, exc.message)
    status: OutcomeStatus = "already_done" if done else "failed"
    return ChangeOutcome.of(
        change,
        status,
        http_status=exc.http_status,
        code=exc.code,
        message=exc.message,
        hint=exc.hint,
    )


def _keep_link(links: _KeptLinks, change: MemberItem, url: SecretStr) -> ChangeOutcome:
    """The invite is made whatever happens here; only the keeping of its link can fail."""
    try:
        links.add(change.email, url)
    except CallFailed as exc:
        reason = exc.message
    except Exception as exc:  # the invite stands: report it done all the same
        logger.debug("unexpected failure keeping the link of %s", change.email, exc_info=True)
        reason = f"was not kept: unexpected {type(exc).__name__}: {exc}"
    else:
        return ChangeOutcome.of(change, "done")
    return ChangeOutcome.of(
        change, "done", message=f"invited, but its link {reason}", hint=LINK_NOT_KEPT_HINT
    )


def _failure(change: MemberItem, exc: Exception) -> ChangeOutcome:
    """Any exception from one change becomes that change's failed outcome, so the changes
    after it are still made and every outcome is still reported (exit 1 all the same).

    Refusals and failed calls carry their own message and hint; anything else is named
    by its type. Either way the change may or may not have been made, and the next plan
    tells which.
    """
    if isinstance(exc, CallFailed | PlanError):
        return ChangeOutcome.of(change, "failed", message=exc.message, hint=exc.hint)
    logger.debug("unexpected failure of %s %s", change.action, change.email, exc_info=True)
    return ChangeOutcome.of(
        change,
        "failed",
        message=f"unexpected {type(exc).__name__}: {exc}",
        hint=UNEXPECTED_HINT,
    )


def _assignable(role: str | None) -> AssignableRole:
    if role == "admin":
        return "admin"
    if role == "normal":
        return "normal"
    # The planner refuses other roles; reaching this means a hand-edited plan.
    raise PlanError(f"the API cannot assign the role {role!r}")


def _member_id(change: MemberItem) -> str:
    if not change.member_id:
        raise PlanError(f"the plan has no member id for {change.email}")
    return change.member_id
