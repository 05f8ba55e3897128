"""`POST /run`, `GET /tasks/{run_id}/events`, `POST /tasks/{task_id}/stop` (contract §2.5).

The rules of Dify's `app_run.py` / `AppGenerateService`, in their order: the mode's
dispatch (422 `mode_not_runnable`), the mode's query rule, the app's concurrency quota
(429 `too_many_requests`, message dropped), then what to run: a workflow app runs its
latest *published* workflow — an import only writes the draft — or the published
version named by `workflow_id` (400 on a malformed or draft id, 404 on an unknown one).
Dify raises a few bare `ValueError`s before the stream starts, which the route's
`except Exception` turns into a 500: a never-published app ("Workflow not published"),
a missing required input (`_prepare_user_inputs`: "<name> is required in input form"),
an unknown upload, and a graph it will not build. Chat, agent-chat and completion run
the model config.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from emulator import errors
from emulator.backend.common import is_uuid, new_id
from emulator.backend.context import Authorized
from emulator.backend.execution import (
    GraphRefused,
    RunOutcome,
    input_problems,
    refuse_invalid_graph,
)
from emulator.backend.runs.context import TaskContext
from emulator.backend.runs.conversations import ConversationRegistry
from emulator.backend.runs.executor import DifyExecutor, Executor
from emulator.backend.runs.history import RunHistory
from emulator.backend.runs.runner import WORKFLOW_MODES, RunPlan, execute, finished_data
from emulator.backend.runs.scripts import ScriptRegistry
from emulator.backend.runs.task import RunTask, TaskRegistry
from emulator.clock import Clock
from emulator.settings import EmulatorSettings
from emulator.store import Store
from emulator.store.rows import AppRow, WorkflowRow
from emulator.store.runs import WorkflowRunRow

CHAT_MODES = frozenset({"chat", "agent-chat", "advanced-chat"})
# How long a reset or close waits in all for stopped runs' threads; a stopped run ends at
# its next step, form poll or delay wake-up, well within it.
STOP_JOIN_TIMEOUT_S = 5.0
RUNNABLE = CHAT_MODES | {"completion", "workflow"}


class RunBody(BaseModel):
    """The S2 run body: lenient (unknown keys such as `response_mode` are ignored)."""

    model_config = ConfigDict(extra="ignore")

    inputs: dict[str, Any]
    query: str | None = None
    files: list[dict[str, Any]] | None = None
    conversation_id: str | None = None
    auto_generate_name: bool = True
    workflow_id: str | None = None
    workspace_id: str | None = Field(None, description="informational, ignored")

    @field_validator("conversation_id")
    @classmethod
    def _uuid(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not is_uuid(value):
            raise ValueError("conversation_id must be a valid UUID")
        return value


def caller_identity(auth: Authorized) -> tuple[str, str]:
    """(created_by_role, created_by) as Dify records the creator of a run."""
    caller = auth.caller
    if caller.kind == "account":
        return "account", caller.account_id
    return "end_user", f"{caller.token.subject_issuer}|{caller.token.subject_email}"


class RunService:
    def __init__(
        self, store: Store, clock: Clock, scripts: ScriptRegistry, executor: Executor | None
    ) -> None:
        self._store = store
        self._clock = clock
        self.scripts = scripts
        self.tasks = TaskRegistry()
        self.executor: Executor = executor if executor is not None else DifyExecutor()
        self.conversations = ConversationRegistry()
        self.history = RunHistory(store)

    def start(
        self,
        auth: Authorized,
        body: RunBody,
        settings: EmulatorSettings,
        *,
        draft: bool = False,
    ) -> RunTask:
        """Start a run. `draft` runs the app's draft workflow, as Dify's draft test run
        (`/draft/workflow:run`, `/draft/advanced-chat:run`) does, and records the run as
        triggered from "debugging"; a normal run is "app-run"."""
        app = auth.require_app()
        if app.mode not in RUNNABLE:
            raise errors.RunValidation("mode_not_runnable")
        query = self._query_for(app.mode, body.query)
        limit = settings.max_concurrent_runs_per_app
        if limit and self.tasks.active_runs(app.id) >= limit:
            raise errors.TooManyRequests()
        role, creator = caller_identity(auth)
        plan, workflow = self._plan(app, body, query, creator, draft=draft)
        run_id = new_id() if app.mode in WORKFLOW_MODES else None
        task = RunTask(new_id(), app.id, app.mode, run_id, role, creator)
        chat = app.mode != "workflow"
        conversation_id = plan.conversation_id or (new_id() if chat else None)
        if conversation_id and chat:
            self.conversations.open(conversation_id, app.id)
            plan = dataclasses.replace(plan, conversation_id=conversation_id)
        ctx = TaskContext(
            task,
            store=self._store,
            clock=self._clock,
            scripts=self.scripts,
            conversation_id=conversation_id,
            message_id=new_id() if chat else None,
            created_by=self.creator_of(role, creator),
        )
        if run_id is not None:
            self._store.runs.insert_run(
                WorkflowRunRow(
                    id=run_id,
                    app_id=app.id,
                    workspace_id=app.workspace_id,
                    workflow_id=plan.workflow_id,
                    task_id=task.task_id,
                    created_by_role=role,
                    created_by=creator,
                    status="running",
                    inputs=plan.inputs,
                    outputs={},
                    error=None,
                    total_tokens=0,
                    total_steps=0,
                    created_at=self._clock.now(),
                    finished_at=None,
                    triggered_from="debugging" if draft else "app-run",
                    version=workflow.version if workflow else "",
                    graph=workflow.graph if workflow else {},
                )
            )
        task.thread = threading.Thread(
            target=execute,
            args=(plan, ctx, self.executor, self._store, self.conversations),
            name=f"run-{task.task_id}",
            daemon=True,
        )
        self.tasks.add(task)
        task.thread.start()
        return task

    def creator_of(self, role: str, creator: str) -> dict[str, str]:
        """`created_by` of `workflow_finished`, as Dify's WorkflowResponseConverter builds
        it: id, name and email of an account; id and session of an end user."""
        if role == "account":
            account = self._store.people.account(creator)
            if account is not None:
                return {"id": account.id, "name": account.name, "email": account.email}
        return {"id": creator, "user": creator}

    @staticmethod
    def _query_for(mode: str, query: str | None) -> str | None:
        if mode in CHAT_MODES:
            if not query or not query.strip():
                raise errors.RunValidation("query_required_for_chat")
            return query
        if mode == "workflow":
            if query is not None:
                raise errors.RunValidation("query_not_supported_for_workflow")
            return None
        return query if query is not None else ""

    def _plan(
        self, app: AppRow, body: RunBody, query: str | None, user_id: str, *, draft: bool
    ) -> tuple[RunPlan, WorkflowRow | None]:
        section: dict[str, Any] | None = None
        workflow_id: str | None = None
        workflow: WorkflowRow | None = None
        if app.mode in WORKFLOW_MODES:
            workflow = self._draft(app) if draft else self._workflow(app, body.workflow_id)
            section, workflow_id = _workflow_section(workflow), workflow.id
            _check_runnable(section, body.inputs)
        conversation_id = body.conversation_id if app.mode != "workflow" else None
        variables = None
        if conversation_id is not None:
            if not self.conversations.belongs_to(conversation_id, app.id):
                raise errors.NotFound("Conversation Not Exists.")
            variables = self.conversations.variables(conversation_id)
        files = list(body.files or [])
        self._check_files(app, [*files, *_file_inputs(body.inputs)])
        plan = RunPlan(
            mode=app.mode,
            app_id=app.id,
            workflow_id=workflow_id,
            graph=section,
            model_config=_model_config(app),
            inputs=body.inputs,
            query=query,
            files=files,
            conversation_id=conversation_id,
            user_id=user_id,
            conversation_variables=variables,
        )
        return plan, workflow

    def _draft(self, app: AppRow) -> WorkflowRow:
        draft = self._store.apps.draft_workflow(app.id)
        if draft is None:
            raise errors.DraftNotFound()
        return draft

    def _workflow(self, app: AppRow, workflow_id: str | None) -> WorkflowRow:
        if workflow_id:
            if not is_uuid(workflow_id):
                raise errors.BadRequest(f"Invalid workflow_id format: '{workflow_id}'. ")
            workflow = self._store.apps.workflow(workflow_id)
            if workflow is None or workflow.app_id != app.id:
                raise errors.NotFound(f"Workflow not found with id: {workflow_id}")
            if workflow.version == "draft":
                raise errors.BadRequest(
                    f"Cannot use draft workflow version. Workflow ID: {workflow_id}. "
                    "Please use a published workflow version or leave workflow_id empty."
                )
            return workflow
        published = self._store.apps.published_workflows(app.id)
        if not published:
            # Dify: ValueError("Workflow not published"), caught by the route's bare
            # `except Exception` → 500 Internal Server Error.
            raise errors.InternalServerError("Workflow not published")
        return published[-1]

    def _check_files(self, app: AppRow, refs: list[dict[str, Any]]) -> None:
        """Dify's file factory refuses an unknown upload (a ValueError → 500 in S2)."""
        for ref in refs:
            if ref.get("transfer_method", "local_file") != "local_file":
                continue
            file_id = ref.get("upload_file_id") or ref.get("related_id")
            row = self._store.runs.file(str(file_id)) if file_id else None
            if row is None or row.workspace_id != app.workspace_id:
                raise errors.InternalServerError("Invalid upload file")

    # --- stop and reconnect ----------------------------------------------------------

    def stop(self, task_id: str) -> dict[str, str]:
        self.tasks.stop(task_id)
        return {"result": "success"}

    def reconnect(self, auth: Authorized, run_id: str) -> RunTask | dict[str, Any]:
        """The live task to replay, or the single `workflow_finished` of a finished run."""
        app = auth.require_app()
        if app.mode not in WORKFLOW_MODES:
            raise errors.RunValidation("mode_not_supported_for_event_reconnect")
        run = self._store.runs.run(run_id)
        role, creator = caller_identity(auth)
        if (
            run is None
            or run.workspace_id != app.workspace_id
            or run.app_id != app.id
            or (run.created_by_role, run.created_by) != (role, creator)
        ):
            raise errors.NotFound("Workflow run not found")
        task = self.tasks.by_run(run_id)
        if run.finished_at is None and task is not None:
            return task
        outcome = RunOutcome(
            status=run.status,
            outputs=run.outputs,
            answer=None,
            error=run.error,
            total_tokens=run.total_tokens,
            total_steps=run.total_steps,
        )
        finished_at = run.finished_at if run.finished_at is not None else self._clock.now()
        created_by = self.creator_of(run.created_by_role, run.created_by)
        data = finished_data(
            run.id, run.workflow_id, outcome, run.created_at, finished_at, created_by
        )
        return {
            "event": "workflow_finished",
            "task_id": run.id,
            "workflow_run_id": run.id,
            "data": data,
        }

    def reset(self) -> None:
        """Stop every run and wait (bounded) for its thread, so none writes to the store
        after a reset wipes it or `close()` closes it."""
        self.tasks.stop_all(join_timeout=STOP_JOIN_TIMEOUT_S)
        self.scripts.clear()
        self.conversations.clear()


def _model_config(app: AppRow) -> dict[str, Any]:
    """A chat or completion app's model config (stored as the DSL's `model_config`)."""
    inner = app.config.get("model_config")
    return dict(inner) if isinstance(inner, dict) else dict(app.config)


def _workflow_section(workflow: WorkflowRow) -> dict[str, Any]:
    """The executor reads the graph plus the environment and conversation variables."""
    return {
        "graph": workflow.graph,
        "environment_variables": workflow.environment_variables,
        "conversation_variables": workflow.conversation_variables,
    }


def _check_runnable(section: dict[str, Any], inputs: dict[str, Any]) -> None:
    """Dify's checks before the stream: the graph builds, the required inputs are there.
    Both are ValueErrors behind the route's `except Exception` (500, message hidden)."""
    try:
        refuse_invalid_graph(section)
    except GraphRefused as refused:
        raise errors.InternalServerError(str(refused)) from None
    problems = input_problems(section, inputs)
    if problems:
        raise errors.InternalServerError(problems[0])


def _file_inputs(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """File-typed input values (a file mapping or a list of them)."""
    found: list[dict[str, Any]] = []
    for value in inputs.values():
        items = value if isinstance(value, list) else [value]
        found.extend(
            item
            for item in items
            if isinstance(item, dict) and ("upload_file_id" in item or "transfer_method" in item)
        )
    return found
