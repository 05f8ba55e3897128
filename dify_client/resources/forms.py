"""Human-input forms of paused runs: `GET`/`POST /apps/{id}/form/human_input/{token}`.

From Dify `api/controllers/openapi/human_input_form.py`: an unknown or foreign token is
404 `form_not_found`, a form for another surface 403 `recipient_surface_mismatch`, an
already submitted or expired form 412. The token opens the form to whoever holds it, so
it never appears in logs or error messages (the path is shown with it redacted).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from dify_client._http import REDACTED, parse_json
from dify_client.models.runs import HumanInputForm
from dify_client.resources._base import Resource, segment, validate


class FormsResource(Resource):
    def get(self, app_id: str, form_token: str) -> HumanInputForm:
        """The form's rendered content, its inputs, default values and action buttons."""
        where = {"app_id": app_id, "form_token": form_token}
        shown = self._shown("describe.run.form", app_id)
        response = self._send("describe.run.form", where, shown_path=shown)
        return validate(HumanInputForm, parse_json(response), where=f"GET {shown}")

    def submit(
        self, app_id: str, form_token: str, *, action: str, inputs: Mapping[str, Any]
    ) -> None:
        """Submit the form with one of its action ids; the paused run resumes."""
        if not action:
            raise ValueError("action must be one of the form's action ids")
        body = {"inputs": dict(inputs), "action": action}
        where = {"app_id": app_id, "form_token": form_token}
        shown = self._shown("submit.run.form", app_id)
        self._send("submit.run.form", where, json_body=body, shown_path=shown)

    def _shown(self, op: str, app_id: str) -> str:
        """The path as logs and errors may show it: the token replaced by a marker."""
        segment(app_id, "app_id")
        _method, path = self._where(op, app_id=app_id, form_token=REDACTED)
        return path.replace(quote(REDACTED, safe=""), REDACTED)
