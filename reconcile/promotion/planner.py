"""Plan a promotion: which source apps go where in the target, and what that would change.

Pure: the caller lists both sides and exports the DSLs; this module matches, compares and
decides. The steps read as peribolos' checklist: select, match (refusing ambiguity), then
per app compare in the comparable view and choose an action.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dify_client.models import OVERWRITABLE_MODES
from dsl import (
    REDACTED_PLACEHOLDER,
    DslDiff,
    DslDocument,
    diff_documents,
    find_secrets,
    render_markdown,
    render_text,
    workspace_bound_refs,
)
from dsl.dependencies import plugin_ref
from dsl.secrets import SecretFinding
from dsl.tree import get_path
from reconcile.checksum import canonical_json
from reconcile.errors import Override, PlanError, Setting
from reconcile.promotion.plan import (
    Action,
    Endpoint,
    PlannedApp,
    PromotionOptions,
    PromotionPlan,
)
from reconcile.promotion.view import comparable, secret_views, view_hash, with_target_secrets

# Shorter strings (a header name, "true") would show in any diff: not checked for leaks.
_SHORTEST_CHECKED_SECRET = 8


class AppRef(BaseModel):
    """An app as listed on one side (a git source has no id)."""

    model_config = ConfigDict(frozen=True)

    id: str | None = None
    name: str
    mode: str


class Selection(BaseModel):
    """Which source apps to promote: exact names or globs, and modes; empty = all."""

    model_config = ConfigDict(extra="forbid")

    apps: list[str] = Field(default_factory=list)
    modes: list[str] = Field(default_factory=list)
    # source name → target name, when they differ between the workspaces.
    mapping: dict[str, str] = Field(default_factory=dict)

    def picks(self, app: AppRef) -> bool:
        # An exact name always matches, even one with glob characters ("FAQ [beta]").
        by_name = not self.apps or any(
            app.name == p or fnmatch.fnmatchcase(app.name, p) for p in self.apps
        )
        by_mode = not self.modes or app.mode in self.modes
        return by_name and by_mode


@dataclass(frozen=True)
class Match:
    source: AppRef
    target_name: str
    target: AppRef | None


def match_apps(
    sources: Iterable[AppRef], targets: Iterable[AppRef], selection: Selection
) -> list[Match]:
    """Selected source apps paired with their target app by exact name (or the mapping).

    Refuses, naming them, duplicate names among the selected source apps or among the
    target apps they would land on: which one to update would be a guess.
    """
    chosen = sorted((a for a in sources if selection.picks(a)), key=lambda a: a.name)
    unknown = sorted(set(selection.mapping) - {a.name for a in chosen})
    if unknown:
        raise PlanError(
            f"the mapping names source apps that are not selected or do not exist: {unknown}",
            hint="Check the names on the left of each mapping against the source's apps.",
        )
    duplicated = sorted(n for n, c in Counter(a.name for a in chosen).items() if c > 1)
    if duplicated:
        raise PlanError(
            f"the source has several apps named {duplicated}; a promotion matches by name",
            hint="Rename them in the source, or narrow the selection so each name is unique.",
        )
    by_name: dict[str, list[AppRef]] = {}
    for target in targets:
        by_name.setdefault(target.name, []).append(target)
    matches = [Match(a, selection.mapping.get(a.name, a.name), None) for a in chosen]
    landing = Counter(m.target_name for m in matches)
    crowded = sorted(name for name, count in landing.items() if count > 1)
    if crowded:
        who = {n: sorted(m.source.name for m in matches if m.target_name == n) for n in crowded}
        raise PlanError(
            f"several source apps would land on the same target app: {who}",
            hint=(
                "Give each source app its own target name (check ",
                Setting(Override.MAP),
                " and the selection).",
            ),
        )
    clashes = sorted({m.target_name for m in matches if len(by_name.get(m.target_name, [])) > 1})
    if clashes:
        ids = {n: [t.id for t in by_name[n]] for n in clashes}
        raise PlanError(
            f"the target has several apps named {clashes} ({ids})",
            hint=(
                "Retire or rename the extra apps in the target, or map the source app to a "
                "unique name with ",
                Setting(Override.MAP, "SOURCE=TARGET"),
                ".",
            ),
        )
    return [Match(m.source, m.target_name, _only(by_name.get(m.target_name, []))) for m in matches]


def _only(apps: list[AppRef]) -> AppRef | None:
    return apps[0] if apps else None


def plan_promotion(
    source: Endpoint,
    target: Endpoint,
    matches: list[Match],
    source_docs: Mapping[str, DslDocument],
    target_docs: Mapping[str, DslDocument],
    options: PromotionOptions,
) -> PromotionPlan:
    """The plan for `matches`; DSLs are keyed by app name (source) and app id (target).

    Target DSLs are exports *with* secrets (to know which secrets the target holds); no
    secret value reaches the plan.
    """
    apps = [
        _plan_app(m, source_docs[m.source.name], _target_doc(m, target_docs), options)
        for m in matches
    ]
    return PromotionPlan(source=source, target=target, options=options, apps=apps).sealed()


def _target_doc(match: Match, target_docs: Mapping[str, DslDocument]) -> DslDocument | None:
    if match.target is None or match.target.id is None:
        return None
    if match.target.id not in target_docs:
        # Planning it as a create would make a second app of that name: refuse instead.
        raise PlanError(f"no export of the target app {match.target_name!r} to compare with")
    return target_docs[match.target.id]


def _plan_app(
    match: Match, source: DslDocument, target: DslDocument | None, options: PromotionOptions
) -> PlannedApp:
    # Compared as it would be imported: with the target's secrets restored where the source
    # has blanks or placeholders, so a redacted backup equals the live app it came from.
    merged, follow_ups = with_target_secrets(source.data, target.data if target else None)
    source_view = comparable(merged, name=match.target_name)
    planned = PlannedApp(
        name=match.source.name,
        mode=match.source.mode,
        action=Action.CREATE,
        source_id=match.source.id,
        target_name=match.target_name,
        attention=_attention(source),
        follow_ups=follow_ups,
        source_hash=view_hash(source_view),
    )
    if target is None or match.target is None:
        nodes = len(source_view.get("workflow", {}).get("graph", {}).get("nodes", []))
        planned.summary = f"new app ({match.source.mode}" + (f", {nodes} nodes)" if nodes else ")")
        return planned
    target_view = comparable(target.data)
    diff = _diff(target.data, merged, target_view, source_view, match.target_name)
    planned.target_id = match.target.id
    planned.target_mode = match.target.mode
    planned.target_hash = view_hash(target_view)
    planned.summary = diff.summary()
    if diff.is_empty:
        planned.action = Action.UNCHANGED
        planned.follow_ups, planned.attention = [], []
        return planned
    planned.diff = diff.to_json()
    planned.diff_text = render_text(diff)
    planned.diff_markdown = render_markdown(diff, heading_level=4)
    planned.breaking = [b.message for b in diff.breaking]
    reason = _why_blocked(match)
    if reason is None:
        planned.action = Action.UPDATE
    elif options.recreate:
        planned.action = Action.RECREATE
        planned.reason = (
            f"{reason}; the recreate option imports a new app named {match.target_name!r} "
            "beside it. "
            f"Retire the old app ({match.target.id}) by hand afterwards: until then the "
            "target has two apps of that name and later promotions refuse to guess."
        )
    else:
        planned.action = Action.BLOCKED
        planned.reason = f"{reason}; the recreate option would import it as a new app instead"
    return planned


def _diff(
    target: Mapping[str, Any],
    merged: Mapping[str, Any],
    target_view: Mapping[str, Any],
    source_view: Mapping[str, Any],
    name: str,
) -> DslDiff:
    """What importing would change, as `dsl diff` says it: a rotated credential (a secret
    value that differs, not one the source left blank or redacted) is a change, shown
    only as "secret value changed". Should a secret value show in the rendered diff all
    the same, the plan falls back to the comparable view's diff, where none can be."""
    old, new = secret_views(merged, target, name=name)
    diff = diff_documents(old, new)
    if diff.is_empty:
        return diff
    rendered = canonical_json(diff.to_json()) + render_text(diff) + render_markdown(diff)
    values = {
        value
        for side in (old, new)
        for finding in find_secrets(side)
        if len(value := _secret_text(side, finding)) >= _SHORTEST_CHECKED_SECRET
    }
    if any(value in rendered for value in values):
        return diff_documents(target_view, source_view)
    return diff


def _secret_text(data: Mapping[str, Any], finding: SecretFinding) -> str:
    text = get_path(data, finding.path)
    if not isinstance(text, str):
        return ""
    return text[slice(*finding.span)] if finding.span else text


def _why_blocked(match: Match) -> str | None:
    assert match.target is not None
    if match.target.mode not in OVERWRITABLE_MODES:
        return (
            f"the target app is a {match.target.mode} app, and Dify's API can overwrite only "
            "workflow and chatflow (advanced-chat) apps"
        )
    if match.target.mode != match.source.mode:
        return (
            f"the modes differ ({match.source.mode} in the source, {match.target.mode} in "
            "the target) and an overwrite would not convert the app"
        )
    return None


def _attention(source: DslDocument) -> list[str]:
    items = [str(ref) for ref in workspace_bound_refs(source.data)]
    plugins = sorted(
        {ref.plugin for dep in source.data.get("dependencies") or [] if (ref := plugin_ref(dep))}
    )
    if plugins:
        items.append(
            "needs plugins " + ", ".join(plugins) + " (checked in the target after import)"
        )
    if REDACTED_PLACEHOLDER in source.text:
        items.append(
            "the source holds values redacted by a backup; where the target has no value for "
            "them they must be re-entered"
        )
    return items
