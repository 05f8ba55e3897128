"""S3's DSL check (`imports:check`) and the import's refusal of an invalid graph.

Dify's `api/controllers/openapi/app_dsl.py` (AppDslCheckApi, `_graph_dsl`, `_dsl_issues`,
`_refuse_invalid_dsl`): the graph must fit the mode of the app an overwrite would replace,
else the DSL's own; only workflow and advanced-chat DSLs can be checked (400 otherwise, as
for YAML that does not parse); an unknown `app_id` is 404. The import refuses a YAML
content DSL whose graph has error-severity issues, and leaves a DSL the check cannot read
to the import's own errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from emulator import errors
from emulator.backend import yaml_guard
from emulator.backend.common import WORKFLOW_MODES
from emulator.backend.graph_check import GraphIssue, check_graph, errors_of
from emulator.store import Store


class _NotCheckable(ValueError):
    pass


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class DslChecker:
    def __init__(self, store: Store) -> None:
        self._store = store

    def check(self, workspace_id: str, yaml_content: str, app_id: str | None) -> dict[str, Any]:
        try:
            issues = self._issues(workspace_id, yaml_content, app_id)
        except _NotCheckable as exc:
            raise errors.BadRequest(str(exc)) from exc
        return {
            "hints": [],
            "valid": not errors_of(issues),
            "issues": [issue.row() for issue in issues],
        }

    def refuse_invalid(self, workspace_id: str, yaml_content: str, app_id: str | None) -> None:
        try:
            problems = errors_of(self._issues(workspace_id, yaml_content, app_id))
        except (_NotCheckable, errors.AppNotFound):
            return
        if problems:
            raise errors.DslInvalid(
                details=[
                    errors.ErrorDetail(type=i.code, loc=i.loc, msg=i.message) for i in problems
                ]
            )

    def _issues(self, workspace_id: str, yaml_content: str, app_id: str | None) -> list[GraphIssue]:
        try:
            data = yaml_guard.safe_load(yaml_content)
        except yaml.YAMLError as exc:
            raise _NotCheckable(f"Invalid YAML: {exc}") from exc
        if not isinstance(data, Mapping):
            raise _NotCheckable("The DSL must be a YAML mapping")
        if app_id:
            app = self._store.apps.app(app_id)
            if app is None or app.workspace_id != workspace_id:
                raise errors.AppNotFound()
            mode: object = app.mode
        else:
            mode = _mapping(data.get("app")).get("mode")
        if mode not in WORKFLOW_MODES:
            raise _NotCheckable("Only workflow or advanced-chat DSLs can be checked")
        workflow = _mapping(data.get("workflow"))
        return check_graph(_mapping(workflow.get("graph")), mode=str(mode))
