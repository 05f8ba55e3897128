"""What applying a promotion needs from the target workspace, as narrow ports.

The apply logic (reconcile.promotion.apply) is written against these protocols; the task
layer binds them to a Dify client, and unit tests to fakes. Answers are dify_client
*models* (`Import`), never the client: a failed call arrives as `TargetError`, which the
adapter makes from the client's own error so the reported message stays Dify's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from dify_client.models import Import

if TYPE_CHECKING:
    from reconcile.promotion.plan import PlannedApp
    from reconcile.promotion.result import AppResult


class TargetError(Exception):
    """A call to the target failed; `kind` names the failure (the client's error class).

    `maybe_applied`: no answer arrived after the request was sent (a dropped connection, a
    timeout), so the server may have done the work all the same; a write is then read
    back before it is reported as failed.
    """

    def __init__(self, message: str, *, kind: str, maybe_applied: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.maybe_applied = maybe_applied

    def __str__(self) -> str:
        return self.message

    def described(self) -> str:
        """The failure as an app's result reports it: kind and message."""
        return f"{self.kind}: {self.message}"


class AppImporter(Protocol):
    """Imports DSL text into the target workspace."""

    def import_(self, text: str, *, app_id: str | None, name: str | None) -> Import:
        """Import `text` over `app_id`, or as a new app (named `name`) when it is None."""
        ...

    def confirm(self, import_id: str) -> Import:
        """Confirm a pending import."""
        ...


class AppExporter(Protocol):
    """Reads an app of the target back as DSL text."""

    def export(self, app_id: str, *, include_secret: bool) -> str: ...

    def app_ids_named(self, name: str) -> list[str]:
        """The ids of the target workspace's apps of this exact name."""
        ...


class DependencyChecker(Protocol):
    """Which plugins an app's last direct import needs that the target has not installed."""

    def missing_plugins(self, app_id: str) -> list[str]: ...


class PromotionTarget(AppImporter, AppExporter, DependencyChecker, Protocol):
    """Everything an apply does to the target workspace."""


class Releaser(Protocol):
    """What a server that can publish (Dify's S3 generation) adds: the live version.

    An S2 server has none of it; the task layer then passes no releaser at all, and the
    apply only replaces drafts (and says so).
    """

    def live_version(self, app_id: str) -> str | None:
        """The id of the version the app's runs use, or None when it was never published."""
        ...

    def release_problems(self, app_id: str) -> list[str]:
        """Dify's release check of the draft: each failing check as `name: detail`."""
        ...

    def publish(self, app_id: str, *, marked_name: str, marked_comment: str) -> str:
        """Publish the draft; the new live version's id."""
        ...

    def restore(self, app_id: str, version_id: str) -> None:
        """Copy a published version into the draft (nothing goes live)."""
        ...

    def export_version(self, app_id: str, version_id: str) -> str:
        """A published version as DSL text (no secrets)."""
        ...

    def empty_secrets(self, app_id: str) -> dict[str, str]:
        """The draft's secret environment variables that hold no value: name → id."""
        ...

    def set_secret(self, app_id: str, env_id: str, *, name: str, value: str) -> None:
        """Give one secret environment variable of the draft its value."""
        ...


class ApplyProgress(Protocol):
    """Hears of each changing app as its apply starts and ends, so a long apply can show
    where it is and, once interrupted, say what was done. Called from the threads that
    apply the apps side by side: implementations must be thread-safe."""

    def started(self, app: PlannedApp) -> None: ...

    def finished(self, result: AppResult) -> None: ...

    def stopping(self) -> None:
        """The apply was interrupted: apps under way finish; the others do not start."""
        ...
