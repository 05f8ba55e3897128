"""DSL import, confirm and check-dependencies: the import state machine of §2.4 / §3.1.

Every answer is an Import object `{id, status, app_id, app_mode, current_dsl_version,
imported_dsl_version, error}` sent with 200 (completed, completed-with-warnings), 202
(pending) or 400 (failed; nothing is written). The checks run in Dify's order:

1. fetch (`yaml-url`) → "Error fetching YAML from URL: …", "Empty content from url",
   "File size exceeds the limit of 10MB";
2. YAML parse → "Invalid YAML format: …"; not a mapping → "…content must be a mapping";
3. missing/empty `version` → "0.1.0"; `kind` forced to `app`; a non-string version →
   "Invalid version type, expected str, got <class '…'>";
4. version compatibility against the current DSL version (see `dsl_versions`);
5. no `app` block → "Missing app data in YAML content";
6. overwrite target (`app_id`) must be in the workspace ("App not found") and be
   workflow / advanced-chat ("Only workflow or advanced chat apps can be overwritten");
7. pending → stored for 600 s on the emulator clock, answered 202 with nothing written;
8. dependencies stored for check-dependencies (10 minutes), then the app is created or
   overwritten ("loss app mode", "Missing workflow data…", "Missing model_config…").

An unparseable version string is "failed": without a `dependencies` list the later
version comparison throws first ("Invalid version: '…'"); with one, the app is built and
rolled back, so the failed body carries an `app_id` and an empty `error` (a Dify quirk).

Confirm does not record dependencies; the pending entry is deleted on success only;
a second confirm finds nothing ("Import information expired or does not exist"). If the
overwrite target vanished meanwhile, confirm silently creates a new app. Pending entries
are not tied to the workspace or account that created them (S2; §5 open point).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

from emulator.backend import yaml_guard
from emulator.backend.app_writer import build_app_row, store_app
from emulator.backend.common import WORKFLOW_MODES, new_id
from emulator.backend.context import Authorized
from emulator.backend.dsl_content import (
    app_content,
    canonical_dependency,
    plugin_id_of,
    tamper,
    validate_mode,
)
from emulator.backend.dsl_versions import ImportStatus, check_version_compatibility
from emulator.backend.execution import refuse_invalid_graph
from emulator.clock import Clock
from emulator.store import Store
from emulator.store.rows import AppRow, PendingImportRow

PENDING_IMPORT_SECONDS = 600.0
DEPENDENCY_CHECK_SECONDS = 600.0
DSL_MAX_SIZE = 10 * 1024 * 1024

UrlFetcher = Callable[[str], str]
# Fault probes: asked only at the moment they would matter, so a counted fault
# (`times`) is consumed by the request it actually changes.
FaultProbe = Callable[[], bool]


def _never() -> bool:
    return False


class ImportFailed(Exception):
    """A failure that becomes `status: failed` with this text as `error`."""


@dataclass(frozen=True)
class ImportRequest:
    mode: str
    yaml_content: str | None = None
    yaml_url: str | None = None
    name: str | None = None
    description: str | None = None
    icon_type: str | None = None
    icon: str | None = None
    icon_background: str | None = None
    app_id: str | None = None

    def overrides(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "description": self.description,
            "icon_type": self.icon_type,
            "icon": self.icon,
            "icon_background": self.icon_background,
        }


@dataclass(frozen=True)
class ImportOutcome:
    http_status: int
    body: dict[str, Any]


def import_body(
    import_id: str,
    status: ImportStatus,
    current_version: str,
    *,
    app_id: str | None = None,
    app_mode: str | None = None,
    imported_version: str = "",
    error: str = "",
) -> dict[str, Any]:
    return {
        "id": import_id,
        "status": status,
        "app_id": app_id,
        "app_mode": app_mode,
        "current_dsl_version": current_version,
        "imported_dsl_version": imported_version,
        "error": error,
    }


def outcome(body: dict[str, Any]) -> ImportOutcome:
    status = body["status"]
    http_status = 400 if status == "failed" else 202 if status == "pending" else 200
    return ImportOutcome(http_status, body)


class _RollBack(Exception):
    """Used to undo a built app whose import ends as failed (the unparseable-version quirk)."""


class DslImporter:
    def __init__(self, store: Store, clock: Clock, fetch_url: UrlFetcher) -> None:
        self._store = store
        self._clock = clock
        self._fetch_url = fetch_url

    # --- import ---------------------------------------------------------------------

    def import_app(
        self,
        auth: Authorized,
        request: ImportRequest,
        *,
        current_version: str,
        tamper_content: FaultProbe = _never,
        expire_pending: FaultProbe = _never,
    ) -> ImportOutcome:
        # One piece on purpose: it follows Dify's AppDslService.import_app check by check,
        # and the order of those checks decides which error a client sees (contract §2.4).
        import_id = new_id()

        def failed(error: str) -> ImportOutcome:
            return outcome(import_body(import_id, "failed", current_version, error=error))

        try:
            content = self._content_of(request)
            data = yaml_guard.safe_load(content)
        except ImportFailed as exc:
            return failed(str(exc))
        except yaml.YAMLError as exc:
            return failed(f"Invalid YAML format: {exc}")
        if not isinstance(data, dict):
            return failed("Invalid YAML format: content must be a mapping")
        if not data.get("version"):
            data["version"] = "0.1.0"
        if data.get("kind") != "app":
            data["kind"] = "app"
        imported_version = data["version"]
        if not isinstance(imported_version, str):
            return failed(f"Invalid version type, expected str, got {type(imported_version)}")
        status = check_version_compatibility(imported_version, current_version)
        if not data.get("app"):
            return failed("Missing app data in YAML content")

        workspace_id = auth.require_workspace().id
        existing: AppRow | None = None
        if request.app_id:
            existing = self._store.apps.app(request.app_id)
            if existing is None or existing.workspace_id != workspace_id:
                return failed("App not found")
            if existing.mode not in WORKFLOW_MODES:
                return failed("Only workflow or advanced chat apps can be overwritten")

        if status == "pending":
            self._store_pending(import_id, auth, content, request, expire_now=expire_pending())
            return outcome(
                import_body(
                    import_id,
                    "pending",
                    current_version,
                    app_id=request.app_id,
                    imported_version=imported_version,
                )
            )

        try:
            dependencies = self._dependencies_of(data, imported_version)
            with self._store.transaction():
                app = self._create_or_update(
                    auth,
                    existing,
                    data,
                    request.overrides(),
                    dependencies=dependencies,
                    tamper_content=tamper_content,
                )
                if status == "failed":
                    raise _RollBack(app.id, app.mode)
        except _RollBack as rolled_back:
            app_id, app_mode = rolled_back.args
            return outcome(
                import_body(
                    import_id,
                    "failed",
                    current_version,
                    app_id=app_id,
                    app_mode=app_mode,
                    imported_version=imported_version,
                )
            )
        except (ValueError, TypeError, AttributeError, InvalidVersion) as exc:
            return failed(str(exc))
        return outcome(
            import_body(
                import_id,
                status,
                current_version,
                app_id=app.id,
                app_mode=app.mode,
                imported_version=imported_version,
            )
        )

    def _content_of(self, request: ImportRequest) -> str:
        if request.mode == "yaml-url":
            url = (request.yaml_url or "").strip()
            if (
                url.startswith("https://github.com/")
                and "/blob/" in url
                and url.endswith((".yml", ".yaml"))
            ):
                url = url.replace("https://github.com", "https://raw.githubusercontent.com", 1)
                url = url.replace("/blob/", "/", 1)
            try:
                text = self._fetch_url(url)
            except Exception as exc:  # any fetch failure is reported, as Dify does
                raise ImportFailed(f"Error fetching YAML from URL: {exc}") from exc
            if len(text) > DSL_MAX_SIZE:
                raise ImportFailed("File size exceeds the limit of 10MB")
            if not text:
                raise ImportFailed("Empty content from url")
            return text
        return request.yaml_content or ""

    def _store_pending(
        self,
        import_id: str,
        auth: Authorized,
        content: str,
        request: ImportRequest,
        *,
        expire_now: bool,
    ) -> None:
        now = self._clock.now()
        payload = {"import_mode": request.mode, "yaml_content": content, "app_id": request.app_id}
        payload.update(request.overrides())
        self._store.apps.put_pending_import(
            PendingImportRow(
                id=import_id,
                workspace_id=auth.require_workspace().id,
                account_id=auth.account.id,
                payload=payload,
                expires_at=now if expire_now else now + PENDING_IMPORT_SECONDS,
            )
        )

    @staticmethod
    def _dependencies_of(data: dict[str, Any], imported_version: str) -> list[dict[str, Any]]:
        raw = data.get("dependencies") or []
        if raw:
            return [canonical_dependency(d) for d in raw]
        # DSL ≤ 0.1.5 without a list: Dify infers plugins from the graph and resolves them
        # on the marketplace. The emulator has no marketplace, so nothing is recorded; the
        # comparison still raises for an unparseable version, as on Dify.
        Version(imported_version)
        return []

    # --- confirm --------------------------------------------------------------------

    def confirm(
        self,
        auth: Authorized,
        import_id: str,
        *,
        current_version: str,
        tamper_content: FaultProbe = _never,
        expire_pending: FaultProbe = _never,
    ) -> ImportOutcome:
        now = self._clock.now()
        if expire_pending():
            self._store.apps.expire_pending_imports(now)
        pending = self._store.apps.pending_import(import_id)
        if pending is None or pending.expires_at <= now:
            return outcome(
                import_body(
                    import_id,
                    "failed",
                    current_version,
                    error="Import information expired or does not exist",
                )
            )
        payload = pending.payload
        try:
            data = yaml_guard.safe_load(payload["yaml_content"])
            workspace_id = auth.require_workspace().id
            existing = None
            if payload.get("app_id"):
                candidate = self._store.apps.app(str(payload["app_id"]))
                if candidate is not None and candidate.workspace_id == workspace_id:
                    existing = candidate
            overrides = {key: payload.get(key) for key in ImportRequest("x").overrides()}
            with self._store.transaction():
                app = self._create_or_update(
                    auth,
                    existing,
                    data,
                    overrides,
                    dependencies=None,
                    tamper_content=tamper_content,
                )
                self._store.apps.delete_pending_import(import_id)
        except (ValueError, TypeError, AttributeError, yaml.YAMLError) as exc:
            return outcome(import_body(import_id, "failed", current_version, error=str(exc)))
        return outcome(
            import_body(
                import_id,
                "completed",
                current_version,
                app_id=app.id,
                app_mode=app.mode,
                imported_version=str(data.get("version", "0.1.0")),
            )
        )

    # --- check-dependencies ---------------------------------------------------------

    def check_dependencies(self, auth: Authorized) -> dict[str, Any]:
        app = auth.require_app()
        recorded = self._store.apps.dependency_check(app.id, self._clock.now())
        if not recorded:
            return {"leaked_dependencies": []}
        installed = set(self._store.apps.installed_plugins(app.workspace_id))
        leaked = [d for d in recorded if plugin_id_of(d) not in installed]
        return {"leaked_dependencies": leaked}

    # --- the shared write path ------------------------------------------------------

    def _create_or_update(
        self,
        auth: Authorized,
        existing: AppRow | None,
        data: dict[str, Any],
        overrides: dict[str, str | None],
        *,
        dependencies: list[dict[str, Any]] | None,
        tamper_content: FaultProbe,
    ) -> AppRow:
        app_data = data.get("app")
        if not isinstance(app_data, dict):
            raise AttributeError(f"'{type(app_data).__name__}' object has no attribute 'get'")
        mode = validate_mode(app_data.get("mode"))
        workspace_id = auth.require_workspace().id
        content = app_content(data, mode, workspace_id)
        if mode in WORKFLOW_MODES:  # Dify validates human-input nodes when saving the draft
            refuse_invalid_graph(data.get("workflow") or {})
        if tamper_content():
            content = tamper(content)
        now = self._clock.now()
        app = build_app_row(
            existing,
            app_data,
            overrides,
            content=content,
            workspace_id=workspace_id,
            created_by=auth.account.id,
            now=now,
        )
        store_app(self._store, app, content, existing=existing is not None, now=now)
        if dependencies:
            self._store.apps.put_dependency_check(
                app.id, dependencies, now + DEPENDENCY_CHECK_SECONDS
            )
        return app
