"""App DSL: export, import, confirm a pending import, and plugin dependency checks."""

from __future__ import annotations

from dify_client._errors import ImportFailedError, ResponseValidationError
from dify_client._http import error_from_response, parse_json
from dify_client.models.dsl import (
    DependencyCheck,
    DslCheck,
    DslExport,
    Import,
    ImportParams,
    PluginDependency,
)
from dify_client.resources._base import Resource, validate


class DslResource(Resource):
    def export(
        self, app_id: str, *, include_secret: bool = False, workflow_id: str | None = None
    ) -> str:
        """The app's DSL as YAML text, exactly as the server wrote it.

        Secret environment values are blanked unless `include_secret` is set; `workflow_id`
        picks a published workflow version instead of the draft.
        """
        params = {"include_secret": include_secret, "workflow_id": workflow_id}
        return self._call(
            "export.console_app.dsl", DslExport, {"app_id": app_id}, params=params
        ).data

    def import_(
        self,
        workspace_id: str,
        *,
        yaml_content: str | None = None,
        yaml_url: str | None = None,
        app_id: str | None = None,
        name: str | None = None,
        description: str | None = None,
        icon_type: str | None = None,
        icon: str | None = None,
        icon_background: str | None = None,
        raise_on_failure: bool = False,
    ) -> Import:
        """Import a DSL as a new app, or over `app_id` (workflow and advanced-chat only).

        The answer is an Import whatever happened: `completed`, `completed-with-warnings`,
        `pending` (a version mismatch that must be confirmed within 10 minutes) or `failed`
        (HTTP 400; a result, not an exception, unless `raise_on_failure`).
        """
        if (yaml_content is None) == (yaml_url is None):
            raise ValueError("give exactly one of yaml_content and yaml_url")
        params = ImportParams(
            mode="yaml-content" if yaml_content is not None else "yaml-url",
            yaml_content=yaml_content,
            yaml_url=yaml_url,
            app_id=app_id,
            name=name,
            description=description,
            icon_type=icon_type,
            icon=icon,
            icon_background=icon_background,
        )
        return self._import_call(
            "import.console_app.dsl",
            {"workspace_id": workspace_id},
            params.model_dump(exclude_none=True),
            raise_on_failure,
        )

    def confirm(
        self, workspace_id: str, import_id: str, *, raise_on_failure: bool = False
    ) -> Import:
        """Confirm a pending import (it expires 10 minutes after the import)."""
        where = {"workspace_id": workspace_id, "import_id": import_id}
        return self._import_call("confirm.console_app.dsl_import", where, None, raise_on_failure)

    def check(self, workspace_id: str, yaml_content: str, *, app_id: str | None = None) -> DslCheck:
        """Every problem the server finds in a DSL's graph, without importing it.

        `errors` are what the import refuses, `warnings` what publishing refuses. With
        `app_id` the graph is checked against that app's mode, as an overwrite would be.
        Only servers with the operation (Dify S3) have it: UnsupportedOperationError else.
        """
        body = {"yaml_content": yaml_content, "app_id": app_id}
        return self._call(
            "check.console_app.dsl",
            DslCheck,
            {"workspace_id": workspace_id},
            json_body={k: v for k, v in body.items() if v is not None},
            # A POST, but it imports nothing: retried like a read.
            read_only=True,
        )

    def check_dependencies(self, app_id: str) -> list[PluginDependency]:
        """Plugins the app's last import needs that the workspace has not installed.

        Dify remembers an import's dependencies for 10 minutes only, and not after a
        confirm, so this is meaningful right after a direct import.
        """
        return self._call(
            "check.console_app.dependency", DependencyCheck, {"app_id": app_id}
        ).leaked_dependencies

    def _import_call(
        self, op: str, where: dict[str, str], body: object, raise_on_failure: bool
    ) -> Import:
        response = self._send(op, where, json_body=body, pass_statuses=frozenset({400}))
        path = response.request.url.path
        payload = parse_json(response)
        if response.status_code == 400 and not _is_import_body(payload):
            # A 400 that is an ErrorBody (not an Import) is a real request error.
            raise error_from_response(
                response, method="POST", path=path, now=self._http.clock.time()
            )
        result = validate(Import, payload, where=f"POST {path}")
        if response.status_code == 400 and not result.is_failed:
            raise ResponseValidationError(
                f"HTTP 400 with import status {result.status!r} from POST {path}", body=payload
            )
        if result.is_failed and raise_on_failure:
            raise ImportFailedError(result)
        return result


def _is_import_body(payload: object) -> bool:
    """Import bodies carry a string status; ErrorBody carries an integer one."""
    return isinstance(payload, dict) and isinstance(payload.get("status"), str)
