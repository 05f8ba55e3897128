"""What a plan says about the target's live version: draft vs published, and what the
apply will make live under the publish policy. Pure: the task layer reads the versions.

Dify runs an app's published version; an import replaces only the draft. A reviewer must
see both: whether the target's draft already differs from what runs (someone's unpublished
edits, which the import replaces), and whether this promotion will go live.
"""

from __future__ import annotations

from typing import Any

from reconcile.promotion.plan import Action, PlannedApp, PublishPolicy
from reconcile.promotion.publish_gate import GRAPH_MODES
from reconcile.promotion.view import comparable, view_hash

GOES_LIVE: dict[PublishPolicy, str] = {
    "always": "the promoted version goes live (publish policy: always)",
    "if-tested": "the promoted version goes live if Dify's release check passes "
    "(the smoke cases test the draft)",
    "never": "only the draft is replaced (publish policy: never): publish in Dify to go live",
}
CANNOT_PUBLISH = (
    "this server cannot publish through the API (S2): only the draft is replaced; "
    "publish it in Dify to go live"
)


def live_note(
    mode: str,
    policy: PublishPolicy,
    *,
    can_publish: bool,
    draft: dict[str, Any] | None,
    live_id: str | None,
    live: dict[str, Any] | None,
) -> str | None:
    """One line for the plan, or None for modes that go live on import."""
    if mode not in GRAPH_MODES:
        return None
    if not can_publish:
        return CANNOT_PUBLISH
    goes = GOES_LIVE[policy]
    if draft is None:
        return f"new app; {goes}"
    if live_id is None or live is None:
        return f"the target app was never published (its runs fail); {goes}"
    if view_hash(comparable(draft)) == view_hash(comparable(live)):
        state = f"the target's live version {live_id[:8]} equals its draft"
    else:
        state = (
            f"the target's live version {live_id[:8]} differs from its draft (unpublished "
            "edits there are replaced)"
        )
    return f"{state}; {goes}"


NOT_LIVE = (
    "the target's draft holds the source, but {what}: imported again and published "
    "(publish policy: always)"
)


def not_live_update(
    app: PlannedApp,
    policy: PublishPolicy,
    *,
    draft: dict[str, Any],
    live_id: str | None,
    live: dict[str, Any] | None,
) -> PlannedApp:
    """An unchanged app whose draft is not what runs, as an update under `always`.

    A promotion whose publish failed (or whose answer never came back as a refusal) leaves
    the promoted draft unpublished; a new app cannot be deleted, so it stays. Planned as
    unchanged, no later run would publish it, and the target would never run what the
    policy said goes live.
    """
    if policy != "always" or app.action != Action.UNCHANGED or app.mode not in GRAPH_MODES:
        return app
    if live_id is None or live is None:
        what = "it was never published"
    elif view_hash(comparable(draft)) != view_hash(comparable(live)):
        what = f"its live version {live_id[:8]} differs"
    else:
        return app
    return app.model_copy(update={"action": Action.UPDATE, "summary": NOT_LIVE.format(what=what)})
