"""S3 draft environment variables: list, set one, delete one.

From Dify `api/controllers/openapi/app_workflow.py` (`AppEnvListApi`, `AppEnvItemApi`,
`env_variable_rows`, `require_draft`, `stored_secret_ids`, `_patch_env`) with the row and
payload models of `api/controllers/openapi/_models.py` (`EnvVariableRow`,
`EnvVariableSetPayload`, `EnvVariableValueType`) and the errors of `_errors.py`:

* only workflow and advanced-chat apps (`require_mode(ctx.app, *GRAPH_MODES)`); other
  modes are refused as the mode guard refuses them (422 `app_mode_mismatch`);
* no draft → 404 `draft_not_found`;
* a secret with a value reads as `encrypter.full_mask_token()` (twenty `*`), an empty
  secret as empty;
* set adds or replaces one variable by id, leaving the others alone. The mask as the value
  of a non-secret type → 400 `secret_mask_not_secret`; the mask for an id that is not a
  stored secret → 400 `secret_mask_unknown_id`; the mask on a stored secret keeps the
  stored value;
* delete of an id the draft does not have → 404 `env_variable_not_found`.

Variables are stored in the draft's `environment_variables` in the mapping form the DSL
carries (`{id, name, description, value, value_type, selector}`), so the exporter's
`include_secret` handling applies to them unchanged.
"""

from __future__ import annotations

import builtins
import dataclasses
from typing import Any

from emulator import errors
from emulator.backend.common import WORKFLOW_MODES
from emulator.backend.context import Authorized
from emulator.clock import Clock
from emulator.store import Store
from emulator.store.rows import WorkflowRow

# `encrypter.full_mask_token()` in api/core/helper/encrypter.py.
FULL_MASK = "*" * 20
VALUE_TYPES = ("string", "number", "secret")


def env_rows(variables: list[Any]) -> list[dict[str, Any]]:
    """`env_variable_rows`: secrets with a value masked, empty secrets as they are."""
    rows = []
    for variable in variables:
        value = variable.get("value")
        if variable.get("value_type") == "secret" and value:
            value = FULL_MASK
        rows.append(
            {
                "id": variable.get("id"),
                "name": variable.get("name"),
                "description": variable.get("description") or "",
                "value_type": variable.get("value_type"),
                "value": value,
            }
        )
    return rows


def _check_value(value_type: str, value: Any) -> None:
    """What building the variable from its mapping refuses (a `VariableError` → 400)."""
    if value_type == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise errors.BadRequest("The value of a number variable must be a number.")
    elif not isinstance(value, str):
        raise errors.BadRequest(f"The value of a {value_type} variable must be a string.")


class EnvVarService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def list(self, auth: Authorized) -> dict[str, Any]:
        return {"data": env_rows(self._draft(auth).environment_variables)}

    def set(
        self,
        auth: Authorized,
        env_id: str,
        *,
        name: str,
        value_type: str,
        value: Any,
        description: str,
    ) -> dict[str, Any]:
        draft = self._draft(auth)
        if value == FULL_MASK and value_type != "secret":
            raise errors.SecretMaskNotSecret()
        stored = {v.get("id"): v for v in draft.environment_variables}
        if value == FULL_MASK:
            previous = stored.get(env_id)
            if previous is None or previous.get("value_type") != "secret":
                raise errors.SecretMaskUnknownId()
            value = previous.get("value", "")
        _check_value(value_type, value)
        variable = {
            "id": env_id,
            "name": name,
            "description": description,
            "value": value,
            "value_type": value_type,
            "selector": ["env", name],
        }
        variables = [variable if v.get("id") == env_id else v for v in draft.environment_variables]
        if env_id not in stored:
            variables.append(variable)
        self._save(draft, variables)
        return {"result": "success"}

    def delete(self, auth: Authorized, env_id: str) -> dict[str, Any]:
        draft = self._draft(auth)
        if all(v.get("id") != env_id for v in draft.environment_variables):
            raise errors.EnvVariableNotFound()
        self._save(draft, [v for v in draft.environment_variables if v.get("id") != env_id])
        return {"result": "success"}

    def _draft(self, auth: Authorized) -> WorkflowRow:
        app = auth.require_app()
        if app.mode not in WORKFLOW_MODES:
            raise errors.AppModeMismatch()
        draft = self._store.apps.draft_workflow(app.id)
        if draft is None:
            raise errors.DraftNotFound()
        return draft

    def _save(self, draft: WorkflowRow, variables: builtins.list[Any]) -> None:
        self._store.apps.upsert_workflow(
            dataclasses.replace(
                draft, environment_variables=variables, updated_at=self._clock.now()
            )
        )
