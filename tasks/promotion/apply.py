"""Applying a promotion through a Dify client: the target port bound to one workspace.

The per-app logic (snapshot, import, confirm, verify, roll back) is in
reconcile.promotion.apply; this module only speaks to Dify and runs apps side by side.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from dify_client import DifyClient, DifyConnectionError, DifyError
from dify_client.models import Import
from reconcile.promotion import apply
from reconcile.promotion.plan import PromotionPlan
from reconcile.promotion.ports import ApplyProgress, TargetError
from reconcile.promotion.result import PromotionResult
from tasks.smoke.runner import runner_for


class ClientTarget:
    """The target workspace as reconcile.promotion.ports.PromotionTarget sees it."""

    def __init__(self, client: DifyClient, workspace_id: str) -> None:
        self._client = client
        self._workspace_id = workspace_id

    def import_(self, text: str, *, app_id: str | None, name: str | None) -> Import:
        with _translated():
            return self._client.dsl.import_(
                self._workspace_id, yaml_content=text, app_id=app_id, name=name
            )

    def confirm(self, import_id: str) -> Import:
        with _translated():
            return self._client.dsl.confirm(self._workspace_id, import_id)

    def export(self, app_id: str, *, include_secret: bool) -> str:
        with _translated():
            return self._client.dsl.export(app_id, include_secret=include_secret)

    def app_ids_named(self, name: str) -> list[str]:
        with _translated():
            return [a.id for a in self._client.apps.find_by_name(self._workspace_id, name)]

    def missing_plugins(self, app_id: str) -> list[str]:
        with _translated():
            return [dep.plugin for dep in self._client.dsl.check_dependencies(app_id)]


class ClientReleaser:
    """reconcile.promotion.ports.Releaser on a server that can publish (Dify S3)."""

    def __init__(self, client: DifyClient) -> None:
        self._client = client

    def live_version(self, app_id: str) -> str | None:
        with _translated():
            return self._client.releases.live_version(app_id)

    def release_problems(self, app_id: str) -> list[str]:
        with _translated():
            check = self._client.releases.check(app_id)
        failed = [f"{c.name}: {c.detail}" for c in check.checks if not c.passed]
        return failed + [issue.located() for issue in check.issues]

    def publish(self, app_id: str, *, marked_name: str, marked_comment: str) -> str:
        with _translated():
            published = self._client.releases.publish(
                app_id, marked_name=marked_name, marked_comment=marked_comment
            )
        return published.version_id

    def restore(self, app_id: str, version_id: str) -> None:
        with _translated():
            self._client.releases.restore(app_id, version_id)

    def export_version(self, app_id: str, version_id: str) -> str:
        with _translated():
            return self._client.dsl.export(app_id, workflow_id=version_id)

    def empty_secrets(self, app_id: str) -> dict[str, str]:
        with _translated():
            variables = self._client.env.list(app_id)
        return {v.name: v.id for v in variables if v.value_type == "secret" and not v.value}

    def set_secret(self, app_id: str, env_id: str, *, name: str, value: str) -> None:
        with _translated():
            self._client.env.set(app_id, env_id, name=name, value=value, value_type="secret")


def releaser_for(client: DifyClient, plan: PromotionPlan) -> ClientReleaser | None:
    """A releaser when the server can publish and the plan's policy lets it."""
    if plan.options.publish == "never" or not client.supports("publish.console_app"):
        return None
    return ClientReleaser(client)


@contextmanager
def _translated() -> Iterator[None]:
    """The client's errors as the port's, keeping the client's class name and message."""
    try:
        yield
    except DifyError as exc:
        # Sent but unanswered: the server may have done it (reconcile reads it back).
        maybe_applied = isinstance(exc, DifyConnectionError) and exc.sent
        raise TargetError(str(exc), kind=type(exc).__name__, maybe_applied=maybe_applied) from exc


def apply_plan(
    client: DifyClient,
    plan: PromotionPlan,
    source_texts: Mapping[str, str],
    *,
    concurrency: int = 4,
    progress: ApplyProgress | None = None,
) -> PromotionResult:
    """Apply the plan to its target workspace; apps are independent of one another, so
    they run side by side (bounded), and results keep the plan's order. Apps with smoke
    cases run them on the target once imported and verified.

    Interrupted (Ctrl-C), the apps not yet started are dropped and the ones under way
    finish (a half-imported app would be worse than either state) before the interrupt
    goes on up; `progress` hears of both."""
    target = ClientTarget(client, plan.target.workspace_id or "")
    runner = runner_for(client) if plan.options.smoke else None
    pool = ThreadPoolExecutor(max_workers=concurrency)
    try:
        return apply.apply_plan(
            target,
            plan,
            source_texts,
            each=pool.map,
            runner=runner,
            releaser=releaser_for(client, plan),
            progress=progress,
        )
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        if progress is not None:
            progress.stopping()
        raise
    finally:
        pool.shutdown(wait=True)
