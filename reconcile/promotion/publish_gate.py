"""The publish step of a promotion's apply, on a server that can publish (Dify S3).

After the import is verified and the smoke cases passed (as draft test runs), the draft
goes live under the plan's policy: `always`, or `if-tested` when Dify's release check
passes. The published version is then verified like the import (exported and compared
with what was sent), and `rollback_live` undoes a publish by restoring the version that
was live before and publishing it again (Dify cannot unpublish; restoring only copies a
version into the draft). Pure apart from the `Releaser` port.
"""

from __future__ import annotations

from typing import Any

from dsl.graph import environment_variables
from reconcile.promotion.plan import PlannedApp, PromotionPlan
from reconcile.promotion.ports import Releaser, TargetError
from reconcile.promotion.result import AppResult
from reconcile.smoke.honesty import DRAFT_ONLY_MODES

# Modes with a draft and published versions; the others go live on import.
GRAPH_MODES = DRAFT_ONLY_MODES
# Dify's limits (`PublishPayload`): marked_name ≤ 20, marked_comment ≤ 100 characters.
NAME_LIMIT, COMMENT_LIMIT = 20, 100


class PublishFailed(Exception):
    """Publishing went wrong after the draft was published: the live version must go back."""


def wants_publish(releaser: Releaser | None, plan: PromotionPlan, app: PlannedApp) -> bool:
    return releaser is not None and plan.options.publish != "never" and app.mode in GRAPH_MODES


def version_name(plan: PromotionPlan) -> tuple[str, str]:
    """(marked name, marked comment) of a promotion's version: the plan and the source."""
    digest = plan.checksum.removeprefix("sha256:")
    name = f"difyops {digest}"[:NAME_LIMIT]
    comment = f"promoted by difyops from {plan.source.label()}; plan {plan.checksum}"
    return name, comment[:COMMENT_LIMIT]


def publish_verified(
    releaser: Releaser,
    plan: PromotionPlan,
    app_id: str,
    result: AppResult,
    *,
    live_before: str | None = None,
) -> str | None:
    """Publish the imported draft under the policy; the new version's id, or None when the
    policy kept it a draft (the reason is on `result`). Raises PublishFailed once a
    version went live but is not the one that was sent. A publish that got no answer is
    read back: a version other than `live_before` live is the one it published."""
    if plan.options.publish == "if-tested":
        problems = releaser.release_problems(app_id)
        if problems:
            result.message += "; imported as draft, not published"
            result.attention.append(
                "not published: Dify's release check is not ready ("
                + "; ".join(problems)
                + "); test the draft (smoke cases do), then publish it"
            )
            return None
    name, comment = version_name(plan)
    try:
        version = releaser.publish(app_id, marked_name=name, marked_comment=comment)
    except TargetError as exc:
        version = _published_unanswered(releaser, app_id, live_before, exc)
        result.attention.append(
            f"the publish got no answer ({exc.described()}); reading the app back showed "
            f"version {version} live"
        )
    result.published_version = version
    live = releaser.live_version(app_id)
    if live != version:
        raise PublishFailed(f"published version {version}, but the app runs {live or 'nothing'}")
    return version


def _published_unanswered(
    releaser: Releaser, app_id: str, live_before: str | None, failure: TargetError
) -> str:
    """The version a publish that got no answer put live, or its failure again when the
    app, read back, shows none (or cannot be read): then nothing went live."""
    if not failure.maybe_applied:
        raise failure
    try:
        live = releaser.live_version(app_id)
    except TargetError:
        raise failure from None
    if live is None or live == live_before:
        raise failure
    return live


def restore_secrets(
    releaser: Releaser, app_id: str, sent: dict[str, Any], result: AppResult
) -> None:
    """Secrets the import was sent with but the draft holds empty are set again through
    the env operations (an import that drops them would otherwise publish an app whose
    credentials are gone). Values travel only in this call, never into `result`."""
    wanted = {
        str(v.get("name")): str(v.get("value"))
        for v in environment_variables(sent)
        if v.get("value_type") == "secret" and v.get("value")
    }
    if not wanted:
        return
    for name, env_id in releaser.empty_secrets(app_id).items():
        if name in wanted:
            releaser.set_secret(app_id, env_id, name=name, value=wanted[name])
            result.attention.append(f"secret {name} was empty after the import: set again")


def rollback_live(releaser: Releaser, app_id: str, before: str | None) -> str:
    """Put back the version that was live before; what happened, for the message."""
    if before is None:
        return (
            "the app had no published version before, and Dify cannot unpublish: "
            "the promoted version stays live; publish a good one in the console"
        )
    releaser.restore(app_id, before)
    releaser.publish(app_id, marked_name="difyops rollback", marked_comment=f"restores {before}")
    return f"the version live before ({before}) is live again"
