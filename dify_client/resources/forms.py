"""Human-input forms of paused runs: `GET`/`POST /apps/{id}/form/human_input/{token}`.

From Dify `api/controllers/openapi/human_input_form.py`: an unknown or foreign token is
404 `form_not_found`, a form for another surface 403 `recipient_surface_mismatch`, an
already submitted or expired form 412. The token opens the form to whoever holds it, so
it never appears in logs or error messages (the path is shown with it redacted).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dify_client._http import REDACTED, parse_json
from dify_client.models.runs import HumanInputForm
from dify_client.resources._base import Resource, segment, validate


class FormsResource(Resource):
    def get(self, app_id: str, form_token: str) -> HumanInputForm:
        """The form's rendered content, its inputs, default values and action buttons."""
        path, shown = self._paths(app_id, form_token)
        response = self._http.request("GET", path, shown_path=shown)
        return validate(HumanInputForm, parse_json(response), where=f"GET {shown}")

    def submit(
        self, app_id: str, form_token: str, *, action: str, inputs: Mapping[str, Any]
    ) -> None:
        """Submit the form with one of its action ids; the paused run resumes."""
        if not action:
            raise ValueError("action must be one of the form's action ids")
        path, shown = self._paths(app_id, form_token)
        body = {"inputs": dict(inputs), "action": action}
        self._http.request("POST", path, json_body=body, shown_path=shown)

    @staticmethod
    def _paths(app_id: str, form_token: str) -> tuple[str, str]:
        base = f"/apps/{segment(app_id, 'app_id')}/form/human_input/"
        return base + segment(form_token, "form_token"), base + REDACTED
