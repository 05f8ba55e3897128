"""Operator actions that the public API cannot perform (behind `/_emulator/`).

They stand in for a person using Dify's web console: creating accounts and workspaces,
adding members directly, editing an app's draft, toggling its Service API, deleting it,
publishing a workflow version, installing plugins, minting tokens for tests.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import yaml

from emulator.backend.app_writer import store_app
from emulator.backend.common import WORKFLOW_MODES, new_id
from emulator.backend.dsl_content import app_content
from emulator.backend.passwords import hash_password
from emulator.backend.tokens import MintedToken, TokenService
from emulator.clock import Clock, iso_naive
from emulator.settings import EmulatorSettings
from emulator.store import Store
from emulator.store.rows import AccountRow, AppRow, WorkspaceRow


class ConsoleError(Exception):
    """An operator request that cannot be carried out (answered 400/404 by the admin API)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class ConsoleService:
    def __init__(self, store: Store, clock: Clock, tokens: TokenService) -> None:
        self._store = store
        self._clock = clock
        self._tokens = tokens

    # --- accounts and workspaces ----------------------------------------------------

    def accounts(self) -> list[dict[str, Any]]:
        return [
            {"id": a.id, "email": a.email, "name": a.name, "status": a.status}
            for a in self._store.people.accounts()
        ]

    def create_account(
        self, *, email: str, name: str | None, password: str | None, status: str
    ) -> dict[str, Any]:
        normalized = email.strip().lower()
        if self._store.people.account_by_email(normalized) is not None:
            raise ConsoleError(f"account {normalized} already exists", status=409)
        account = AccountRow(
            id=str(uuid.uuid4()),
            email=normalized,
            name=name or normalized.split("@")[0],
            password_hash=hash_password(password) if password else None,
            status=status,
            avatar=None,
            created_at=self._clock.now(),
        )
        self._store.people.insert_account(account)
        return {"id": account.id, "email": account.email, "name": account.name, "status": status}

    def account_by_email(self, email: str) -> AccountRow:
        account = self._store.people.account_by_email(email)
        if account is None:
            raise ConsoleError(f"no account with email {email}", status=404)
        return account

    def create_workspace(self, *, name: str, owner_email: str, status: str) -> dict[str, Any]:
        owner = self.account_by_email(owner_email)
        now = self._clock.now()
        workspace = WorkspaceRow(id=str(uuid.uuid4()), name=name, status=status, created_at=now)
        with self._store.transaction():
            self._store.people.insert_workspace(workspace)
            self._store.people.add_membership(workspace.id, owner.id, "owner", now, current=False)
        return {"id": workspace.id, "name": name, "status": status, "owner_id": owner.id}

    def update_workspace(
        self, workspace_id: str, *, name: str | None, status: str | None
    ) -> dict[str, Any]:
        workspace = self._workspace(workspace_id)
        if name is not None:
            self._store.people.rename_workspace(workspace.id, name)
        if status is not None:
            self._store.people.set_workspace_status(workspace.id, status)
        updated = self._workspace(workspace_id)
        return {"id": updated.id, "name": updated.name, "status": updated.status}

    def add_member(self, workspace_id: str, *, email: str, role: str) -> dict[str, Any]:
        workspace = self._workspace(workspace_id)
        account = self.account_by_email(email)
        if self._store.people.membership(workspace.id, account.id) is not None:
            self._store.people.set_role(workspace.id, account.id, role)
        else:
            self._store.people.add_membership(
                workspace.id, account.id, role, self._clock.now(), current=False
            )
        return {"workspace_id": workspace.id, "account_id": account.id, "role": role}

    def set_plugins(self, workspace_id: str, plugin_ids: list[str]) -> dict[str, Any]:
        workspace = self._workspace(workspace_id)
        self._store.apps.set_installed_plugins(workspace.id, plugin_ids)
        return {
            "workspace_id": workspace.id,
            "installed": self._store.apps.installed_plugins(workspace.id),
        }

    def plugins(self, workspace_id: str) -> dict[str, Any]:
        workspace = self._workspace(workspace_id)
        return {
            "workspace_id": workspace.id,
            "installed": self._store.apps.installed_plugins(workspace.id),
        }

    # --- tokens ---------------------------------------------------------------------

    def mint_account_token(
        self,
        *,
        email: str,
        client_id: str,
        device_label: str,
        ttl_seconds: float | None,
        settings: EmulatorSettings,
    ) -> MintedToken:
        account = self.account_by_email(email)
        # No rotation here: tests often want several live tokens for one account.
        return self._tokens.mint(
            kind="account",
            subject_email=account.email,
            subject_issuer=None,
            account_id=account.id,
            client_id=client_id,
            device_label=device_label,
            settings=settings,
            ttl_seconds=ttl_seconds,
            rotate=False,
        )

    def mint_external_token(
        self,
        *,
        email: str,
        issuer: str,
        client_id: str,
        device_label: str,
        ttl_seconds: float | None,
        settings: EmulatorSettings,
    ) -> MintedToken:
        return self._tokens.mint(
            kind="external_sso",
            subject_email=email.strip().lower(),
            subject_issuer=issuer,
            account_id=None,
            client_id=client_id,
            device_label=device_label,
            settings=settings,
            ttl_seconds=ttl_seconds,
            rotate=False,
        )

    # --- apps -----------------------------------------------------------------------

    def edit_app(
        self,
        app_id: str,
        *,
        yaml_text: str | None,
        name: str | None,
        description: str | None,
        enable_api: bool | None,
        access_mode: str | None,
        touch: bool,
    ) -> dict[str, Any]:
        """Edit as a console user would: replace the draft, rename, toggle the Service API."""
        app = self._app(app_id)
        now = self._clock.now()
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name
        if description is not None:
            changes["description"] = description
        if enable_api is not None:
            changes["enable_api"] = enable_api
        if access_mode is not None:
            changes["access_mode"] = access_mode
        if touch:
            changes["updated_at"] = now
        with self._store.transaction():
            if yaml_text is not None:
                content = self._content_from_yaml(app, yaml_text)
                changes["dependencies"] = content.dependencies
                if content.workflow is None:
                    changes["config"] = content.config
                updated = dataclasses.replace(app, **changes)
                previous_draft = self._store.apps.draft_workflow(app.id)
                store_app(self._store, updated, content, existing=True, now=now)
                if not touch and previous_draft is not None:
                    # store_app moved the draft's timestamp; touch=false must not look edited.
                    draft = self._store.apps.draft_workflow(app.id)
                    if draft is not None:
                        self._store.apps.upsert_workflow(
                            dataclasses.replace(draft, updated_at=previous_draft.updated_at)
                        )
            else:
                updated = dataclasses.replace(app, **changes)
                self._store.apps.update_app(updated)
        return self.app_summary(self._app(app_id))

    def _content_from_yaml(self, app: AppRow, yaml_text: str) -> Any:
        try:
            data = yaml.safe_load(yaml_text)
        except yaml.YAMLError as exc:
            raise ConsoleError(f"Invalid YAML format: {exc}") from exc
        if not isinstance(data, dict):
            raise ConsoleError("Invalid YAML format: content must be a mapping")
        app_block = data.get("app")
        yaml_mode = app_block.get("mode") if isinstance(app_block, dict) else None
        if yaml_mode is not None and yaml_mode != app.mode:
            raise ConsoleError(f"the YAML describes a {yaml_mode} app, this app is {app.mode}")
        try:
            return app_content(data, app.mode, app.workspace_id)
        except (ValueError, TypeError) as exc:
            raise ConsoleError(str(exc)) from exc

    def delete_app(self, app_id: str) -> dict[str, Any]:
        self._app(app_id)
        self._store.apps.delete_app(app_id)
        return {"id": app_id, "deleted": True}

    def publish(self, app_id: str) -> dict[str, Any]:
        """Publish the current draft as a new workflow version (the console's Publish)."""
        app = self._app(app_id)
        if app.mode not in WORKFLOW_MODES:
            raise ConsoleError("only workflow and advanced-chat apps have workflow versions")
        draft = self._store.apps.draft_workflow(app_id)
        if draft is None:
            raise ConsoleError("the app has no draft workflow")
        now = self._clock.now()
        version = f"{now:.6f}"
        published = dataclasses.replace(
            draft, id=new_id(), version=version, created_at=now, updated_at=now
        )
        self._store.apps.upsert_workflow(published)
        # As Dify's publish controllers do: the app's updated_at moves too.
        self._store.apps.update_app(dataclasses.replace(app, updated_at=now))
        return {"app_id": app_id, "workflow_id": published.id, "version": version}

    def app_summary(self, app: AppRow) -> dict[str, Any]:
        draft = self._store.apps.draft_workflow(app.id)
        return {
            "id": app.id,
            "workspace_id": app.workspace_id,
            "name": app.name,
            "mode": app.mode,
            "description": app.description,
            "enable_api": app.enable_api,
            "access_mode": app.access_mode,
            "updated_at": iso_naive(app.updated_at),
            "draft_workflow_id": draft.id if draft else None,
            "published_workflow_ids": [w.id for w in self._store.apps.published_workflows(app.id)],
        }

    def _app(self, app_id: str) -> AppRow:
        app = self._store.apps.app(app_id)
        if app is None:
            raise ConsoleError(f"no app {app_id}", status=404)
        return app

    def _workspace(self, workspace_id: str) -> WorkspaceRow:
        workspace = self._store.people.workspace(workspace_id)
        if workspace is None:
            raise ConsoleError(f"no workspace {workspace_id}", status=404)
        return workspace
