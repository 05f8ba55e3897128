"""A fake target workspace for the promotion apply's unit tests (reconcile.promotion.ports).

It keeps apps as DSL text (with secrets), imports and exports them the way Dify does for
the cases the apply cares about, and can be told to misbehave: hold an import pending,
refuse one, fail a confirm, report missing plugins, tamper with what it stores, or fail
the rollback. Every call is recorded so a test can say what was (not) done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from dify_client.models import Import
from dsl import canonical_text, load_text
from reconcile.promotion.ports import TargetError
from reconcile.promotion.view import blank_secrets


@dataclass
class Call:
    method: str
    app_id: str | None = None
    text: str | None = None
    name: str | None = None
    include_secret: bool | None = None


@dataclass
class FakeTarget:
    apps: dict[str, str] = field(default_factory=dict)
    # (imported DSL version, server version): the next import is held pending.
    pending: tuple[str, str] | None = None
    refuse: str | None = None  # the next import fails with this error
    confirm_error: str | None = None  # confirms fail with this error
    missing: list[str] = field(default_factory=list)  # plugins missing after an import
    tamper: bool = False  # what an import stores differs from what was sent
    rollback: str | None = None  # "raises" or "fails": imports after the first one
    tamper_rollback: bool = False  # what imports after the first one store differs too
    # "before" or "after": the first import gets no answer (a dropped connection), the
    # server having stored nothing, or stored it all the same.
    drop: str | None = None
    calls: list[Call] = field(default_factory=list)
    _held: dict[str, tuple[str, str | None, str | None]] = field(default_factory=dict)
    _imports: int = 0

    # --- the port -------------------------------------------------------------------------

    def import_(self, text: str, *, app_id: str | None, name: str | None) -> Import:
        self.calls.append(Call("import", app_id=app_id, text=text, name=name))
        self._imports += 1
        if self._imports == 1 and self.drop == "before":
            raise _dropped()
        if self._imports == 1 and self.drop == "after" and self.pending is None:
            self._store(text, app_id, name)
            raise _dropped()
        if self._imports > 1 and self.rollback == "raises":
            raise TargetError("the server is gone", kind="DifyConnectionError")
        if self._imports > 1 and self.rollback == "fails":
            return Import(id="imp-x", status="failed", error="Rollback refused")
        if self.refuse is not None:
            return Import(id="imp-1", status="failed", error=self.refuse)
        if self.pending is not None:
            self._held["imp-1"] = (text, app_id, name)
            imported, current = self.pending
            return Import(
                id="imp-1",
                status="pending",
                imported_dsl_version=imported,
                current_dsl_version=current,
            )
        return self._store(text, app_id, name)

    def confirm(self, import_id: str) -> Import:
        self.calls.append(Call("confirm", app_id=import_id))
        if self.confirm_error is not None:
            return Import(id=import_id, status="failed", error=self.confirm_error)
        return self._store(*self._held.pop(import_id))

    def export(self, app_id: str, *, include_secret: bool) -> str:
        self.calls.append(Call("export", app_id=app_id, include_secret=include_secret))
        text = self.apps[app_id]
        return text if include_secret else canonical_text(blank_secrets(load_text(text).data))

    def app_ids_named(self, name: str) -> list[str]:
        self.calls.append(Call("list", name=name))
        return [i for i, text in self.apps.items() if yaml.safe_load(text)["app"]["name"] == name]

    def missing_plugins(self, app_id: str) -> list[str]:
        self.calls.append(Call("check", app_id=app_id))
        return list(self.missing)

    # --- for the tests --------------------------------------------------------------------

    def methods(self) -> list[str]:
        return [call.method for call in self.calls]

    def imported_texts(self) -> list[str]:
        return [call.text or "" for call in self.calls if call.method == "import"]

    def _store(self, text: str, app_id: str | None, name: str | None) -> Import:
        new_id = app_id or f"new-{len(self.apps) + 1}"
        data: dict[str, Any] = yaml.safe_load(text)
        changed = False
        if name is not None and data["app"]["name"] != name:
            data["app"]["name"], changed = name, True
        if (self.tamper and self._imports == 1) or (self.tamper_rollback and self._imports > 1):
            data["workflow"]["graph"]["nodes"][-1]["data"]["title"] = "Tampered"
            changed = True
        # Unchanged, the text is kept byte for byte (a rollback must restore it exactly).
        self.apps[new_id] = canonical_text(data) if changed else text
        return Import(id="imp-done", status="completed", app_id=new_id)


def _dropped() -> TargetError:
    return TargetError(
        "Server disconnected without sending a response.",
        kind="DifyConnectionError",
        maybe_applied=True,
    )
