"""Reading apps: list, describe, and the apps an external SSO subject may use."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator

from dify_client._constants import MAX_PAGE_LIMIT
from dify_client._pagination import Page
from dify_client.models.apps import App, AppDescription
from dify_client.resources._base import Resource, segment

DESCRIBE_FIELDS = ("info", "parameters", "input_schema")


class AppsResource(Resource):
    def list(
        self,
        workspace_id: str,
        *,
        mode: str | None = None,
        name: str | None = None,
        tag: str | None = None,
        page: int = 1,
        limit: int = 20,
    ) -> Page[App]:
        """Apps of a workspace that the OpenAPI can see.

        Dify hides apps whose Service API is off and modes it does not list (agent,
        channel, rag-pipeline); `name` is a substring filter, or an exact id lookup when it
        is a UUID.
        """
        segment(workspace_id, "workspace_id")
        params = {"workspace_id": workspace_id, "mode": mode, "name": name, "tag": tag}
        return self._page("get.console_app", App, params=params, page=page, limit=limit)

    def iter_all(self, workspace_id: str, *, mode: str | None = None) -> Iterator[App]:
        """Every visible app of the workspace, at the largest page size."""
        return iter(self.list(workspace_id, mode=mode, limit=MAX_PAGE_LIMIT))

    def find_by_name(self, workspace_id: str, name: str) -> builtins.list[App]:
        """Apps whose name is exactly `name` (the server filter is a substring match)."""
        page = self.list(workspace_id, name=name, limit=MAX_PAGE_LIMIT)
        return [app for app in page if app.name == name]

    def describe(self, app_id: str, *, fields: Iterable[str] | None = None) -> AppDescription:
        """Info, parameters and input JSON Schema; `fields` picks a subset of the three."""
        params = {}
        if fields is not None:
            wanted = list(fields)
            unknown = sorted(set(wanted) - set(DESCRIBE_FIELDS))
            if unknown:
                raise ValueError(f"unknown describe fields {unknown}; use {DESCRIBE_FIELDS}")
            params["fields"] = ",".join(wanted)
        return self._call("describe.console_app", AppDescription, {"app_id": app_id}, params=params)

    def permitted_external(
        self,
        *,
        mode: str | None = None,
        name: str | None = None,
        page: int = 1,
        limit: int = 20,
    ) -> Page[App]:
        """Apps an external SSO subject (`dfoe_` token) may use; Enterprise servers only."""
        params = {"mode": mode, "name": name}
        return self._page("get.console_app.external", App, params=params, page=page, limit=limit)
