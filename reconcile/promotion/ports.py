"""What applying a promotion needs from the target workspace, as narrow ports.

The apply logic (reconcile.promotion.apply) is written against these protocols; the task
layer binds them to a Dify client, and unit tests to fakes. Answers are dify_client
*models* (`Import`), never the client: a failed call arrives as `TargetError`, which the
adapter makes from the client's own error so the reported message stays Dify's.
"""

from __future__ import annotations

from typing import Protocol

from dify_client.models import Import


class TargetError(Exception):
    """A call to the target failed; `kind` names the failure (the client's error class)."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind

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


class DependencyChecker(Protocol):
    """Which plugins an app's last direct import needs that the target has not installed."""

    def missing_plugins(self, app_id: str) -> list[str]: ...


class PromotionTarget(AppImporter, AppExporter, DependencyChecker, Protocol):
    """Everything an apply does to the target workspace."""
