"""`GET`/`POST /apps/{app_id}/form/human_input/{form_token}` (contract §2.5).

A form is found only through its app (another app's token is as unknown as a made-up
one: 404 `form_not_found`); a submitted form answers 412 `human_input_form_submitted`
and an expired one (on the emulator clock) 412 `human_input_form_expired`, with the
messages of Dify's `HumanInputService.ensure_form_active`: they name the form's record id
(`Form.id`, the `form_id` of `human_input_required`), never the token, which is the
recipient's secret. A submission is one-shot,
recorded in the store and handed to the run's thread, which resumes.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from emulator import errors
from emulator.backend.context import Authorized
from emulator.backend.runs.task import TaskRegistry
from emulator.clock import Clock
from emulator.store import Store
from emulator.store.runs import FormRow


class FormSubmitBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    inputs: dict[str, Any]
    action: str


class InvalidFormData(errors.BadRequest):
    code = "invalid_form_data"


class FormService:
    def __init__(self, store: Store, clock: Clock, tasks: TaskRegistry) -> None:
        self._store = store
        self._clock = clock
        self._tasks = tasks

    def _active(self, auth: Authorized, token: str) -> FormRow:
        form = self._store.runs.form(token)
        if form is None or form.app_id != auth.require_app().id:
            raise errors.FormNotFound()
        if form.submitted_at is not None:
            raise _submitted(form)
        if self._clock.now() >= form.expires_at:
            raise errors.FormExpired(f"This form has expired, form_id={form.form_id}")
        return form

    def get(self, auth: Authorized, token: str) -> dict[str, Any]:
        form = self._active(auth, token)
        payload = dict(form.payload)
        payload["resolved_default_values"] = {
            name: _as_text(value)
            for name, value in dict(payload.get("resolved_default_values") or {}).items()
        }
        return payload

    def submit(self, auth: Authorized, token: str, body: FormSubmitBody) -> dict[str, Any]:
        form = self._active(auth, token)
        if form.recipient is None:
            raise errors.BadRequest("form has no recipient type")
        actions = [a.get("id") for a in form.payload.get("user_actions", []) if isinstance(a, dict)]
        if actions and body.action not in actions:
            raise InvalidFormData(f"invalid action: {body.action}")
        submission = {"action": body.action, "inputs": body.inputs}
        if not self._store.runs.submit_form(token, submission, self._clock.now()):
            raise _submitted(form)
        self._tasks.deliver(token, submission)
        return {}


def _submitted(form: FormRow) -> errors.FormSubmitted:
    return errors.FormSubmitted(
        f"This form has already been submitted by another user, form_id={form.form_id}"
    )


def _as_text(value: Any) -> str:
    """Dify's resolved defaults: null → "", objects JSON-encoded, the rest as text."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
