"""Reading both sides of a promotion and comparing them: the part a promotion plan and a
drift check share (the plan adds live-version notes and the target's import check)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass

from dify_client import DifyClient
from dsl import DslDocument, load_text
from jobs import GitSide, PromotionRequest
from reconcile.promotion.plan import PromotionPlan
from reconcile.promotion.planner import match_apps, plan_promotion
from tasks.promotion.sides import (
    ExportJob,
    Listing,
    export_documents,
    list_git,
    list_workspace,
    open_target,
)


@dataclass
class Compared:
    """The bare plan, with what it was made from. The clients stay open as long as the
    `ExitStack` given to `compare_sides`."""

    plan: PromotionPlan
    source: Listing
    target: Listing
    # By app name (source) and app id (target); target exports hold secrets.
    source_docs: dict[str, DslDocument]
    target_docs: dict[str, DslDocument]
    target_client: DifyClient


def compare_sides(
    stack: ExitStack, request: PromotionRequest, say: Callable[[str], None] | None = None
) -> Compared:
    """List both sides, match the selected apps, export them, and compare. `say` hears
    each step as it starts (a long plan is not silent)."""
    tell = say or _quiet
    target_client = stack.enter_context(open_target(request.target, rate_limit=request.rate_limit))
    tell(f"listing the target's apps ({request.target.workspace})…")
    target = list_workspace(target_client, request.target)
    source_client = None
    if isinstance(request.source, GitSide):
        tell(f"reading the source's apps (git {request.source.ref})…")
        source = list_git(request.source)
    else:
        source_client = stack.enter_context(
            open_target(request.source, rate_limit=request.rate_limit)
        )
        tell(f"listing the source's apps ({request.source.workspace})…")
        source = list_workspace(source_client, request.source)
    matches = match_apps(source.apps, target.apps, request.selection)
    jobs = [
        ExportJob(target_client, m.target.id, include_secret=True)
        for m in matches
        if m.target is not None and m.target.id
    ]
    if source_client is not None:
        jobs += [
            ExportJob(source_client, m.source.id, include_secret=False)
            for m in matches
            if m.source.id
        ]
    # Target exports carry secrets, only to learn which ones the target holds; the
    # values stay in these documents and never reach the plan.
    from_source = sum(1 for j in jobs if not j.include_secret)
    from_target = len(jobs) - from_source
    if jobs:
        parts = [f"{from_source} app(s) from {_named(source)}"] if from_source else []
        if from_target:
            parts.append(f"{from_target}{'' if parts else ' app(s)'} from {_named(target)}")
        tell(f"exporting {' and '.join(parts)}…")
    documents = export_documents(jobs, concurrency=request.concurrency)
    tell(f"comparing {len(matches)} app(s)…")
    source_docs = {
        m.source.name: documents[m.source.id]
        if source_client is not None and m.source.id
        else load_text(source.texts[m.source.name], source=f"git:{m.source.name}")
        for m in matches
    }
    target_docs = {j.app_id: documents[j.app_id] for j in jobs if j.include_secret}
    plan = plan_promotion(
        source.endpoint, target.endpoint, matches, source_docs, target_docs, request.options
    )
    return Compared(plan, source, target, source_docs, target_docs, target_client)


def _quiet(_: str) -> None:
    """No one listens (a flow run, a drift check)."""


def _named(listing: Listing) -> str:
    """A side as a person names it in one short line (a workspace's name)."""
    endpoint = listing.endpoint
    return endpoint.workspace_name or endpoint.workspace_id or endpoint.label()
