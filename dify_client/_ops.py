"""Every operation the client calls, by Dify's op id, with its S2 and S3 routes.

The op ids are those of Dify's catalog (`api/controllers/openapi/*.py`, each view's
`@endpoint(op=…)`); on an S3 server the catalog's own paths win over the S3 column here,
which is only the fallback for a forced S3 without a catalog. Operations an S2 server
does not have (publish, versions, env, runs history, draft runs, release check, import
check) have no S2 route: asking an S2 server for them raises UnsupportedOperationError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Route:
    """One HTTP method and a path template with `{name}` placeholders."""

    method: str
    template: str

    def path(self, params: Mapping[str, str]) -> str:
        path = self.template
        for name, value in params.items():
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
            path = path.replace("{" + name + "}", quote(value, safe=""))
        if "{" in path:
            raise ValueError(f"missing path parameter in {self.template}")
        return path


@dataclass(frozen=True)
class OpSpec:
    summary: str
    s2: Route | None
    s3: Route | None


def _op(summary: str, s2: tuple[str, str] | None, s3: tuple[str, str] | None) -> OpSpec:
    return OpSpec(summary, Route(*s2) if s2 else None, Route(*s3) if s3 else None)


_APP = "/apps/{app_id}"
_WS = "/workspaces/{workspace_id}"

# Op ids as Dify's catalog names them (`run.app` is S2's single run route, which has no
# catalog). Where Dify's stored sources disagree (the events and upload ops' ids differ
# between files.py / workflow_events.py and difyctl's catalog fixture), the catalog
# fixture's names are used: a server's catalog is what the client reads. One table, so a
# reader sees both generations of one operation side by side.
OPS: dict[str, OpSpec] = {
    # account and sessions
    "describe.account": _op("the signed-in account", ("GET", "/account"), ("GET", "/account")),
    "get.account.session": _op(
        "sign-in sessions", ("GET", "/account/sessions"), ("GET", "/account/sessions")
    ),
    "delete.account.session": _op(
        "revoke a session",
        ("DELETE", "/account/sessions/{session_id}"),
        ("DELETE", "/account/sessions/{session_id}"),
    ),
    "delete.account.current_session": _op(
        "sign out", ("DELETE", "/account/sessions/self"), ("DELETE", "/account/sessions/self")
    ),
    # workspaces and members
    "get.workspace": _op("workspaces", ("GET", "/workspaces"), ("GET", "/workspaces")),
    "describe.workspace": _op("one workspace", ("GET", _WS), ("GET", _WS)),
    "switch.workspace": _op(
        "switch workspace", ("POST", _WS + "/switch"), ("POST", _WS + ":switch")
    ),
    "get.workspace.member": _op(
        "workspace members", ("GET", _WS + "/members"), ("GET", _WS + "/members")
    ),
    "invite.workspace.member": _op(
        "invite a member", ("POST", _WS + "/members"), ("POST", _WS + "/members")
    ),
    "delete.workspace.member": _op(
        "remove a member",
        ("DELETE", _WS + "/members/{member_id}"),
        ("DELETE", _WS + "/members/{member_id}"),
    ),
    "set.workspace.member_role": _op(
        "change a member's role",
        ("PUT", _WS + "/members/{member_id}/role"),
        ("PATCH", _WS + "/members/{member_id}"),
    ),
    # apps and DSL
    "get.console_app": _op("apps", ("GET", "/apps"), ("GET", "/apps")),
    "describe.console_app": _op("one app", ("GET", _APP + "/describe"), ("GET", _APP)),
    "get.console_app.external": _op(
        "apps shared with external users",
        ("GET", "/permitted-external-apps"),
        ("GET", "/permitted-external-apps"),
    ),
    "export.console_app.dsl": _op(
        "export an app's DSL", ("GET", _APP + "/export"), ("GET", _APP + "/dsl")
    ),
    "import.console_app.dsl": _op(
        "import a DSL", ("POST", _WS + "/apps/imports"), ("POST", _WS + "/apps/imports")
    ),
    "confirm.console_app.dsl_import": _op(
        "confirm a pending import",
        ("POST", _WS + "/apps/imports/{import_id}/confirm"),
        ("POST", _WS + "/apps/imports/{import_id}:confirm"),
    ),
    "check.console_app.dsl": _op(
        "check a DSL before importing it", None, ("POST", _WS + "/apps/imports:check")
    ),
    "check.console_app.dependency": _op(
        "plugins an import left missing",
        ("GET", _APP + "/check-dependencies"),
        ("GET", _APP + "/dependencies:check"),
    ),
    # runtime
    "run.app": _op("run an app", ("POST", _APP + "/run"), None),
    "run.console_app.workflow": _op("run a workflow", None, ("POST", _APP + "/workflow:run")),
    "run.console_app.chat": _op("run a chat app", None, ("POST", _APP + "/chat:run")),
    "run.console_app.advanced_chat": _op(
        "run a chatflow", None, ("POST", _APP + "/advanced-chat:run")
    ),
    "run.console_app.completion": _op(
        "run a completion app", None, ("POST", _APP + "/completion:run")
    ),
    "stop.run": _op(
        "stop a run",
        ("POST", _APP + "/tasks/{task_id}/stop"),
        ("POST", _APP + "/tasks/{task_id}:stop"),
    ),
    "get.run.event": _op(
        "a run's events",
        ("GET", _APP + "/tasks/{task_id}/events"),
        ("GET", _APP + "/tasks/{task_id}/events"),
    ),
    "upload.console_app.file": _op(
        "upload a file", ("POST", _APP + "/files/upload"), ("POST", _APP + "/files")
    ),
    "describe.run.form": _op(
        "a human-input form",
        ("GET", _APP + "/form/human_input/{form_token}"),
        ("GET", _APP + "/human-input-forms/{form_token}"),
    ),
    "submit.run.form": _op(
        "submit a human-input form",
        ("POST", _APP + "/form/human_input/{form_token}"),
        ("POST", _APP + "/human-input-forms/{form_token}:submit"),
    ),
    # release: only servers that can publish (S3)
    "publish.console_app": _op("publish the draft", None, ("POST", _APP + ":publish")),
    "get.console_app.version": _op("published versions", None, ("GET", _APP + "/versions")),
    "restore.console_app.version": _op(
        "restore a version into the draft",
        None,
        ("POST", _APP + "/versions/{version_id}:restore"),
    ),
    "get.console_app.env": _op("draft environment variables", None, ("GET", _APP + "/env")),
    "set.console_app.env": _op(
        "set a draft environment variable", None, ("PUT", _APP + "/env/{env_id}")
    ),
    "delete.console_app.env": _op(
        "delete a draft environment variable", None, ("DELETE", _APP + "/env/{env_id}")
    ),
    "check.console_app.release": _op(
        "check a draft before publishing", None, ("GET", _APP + "/release:check")
    ),
    "get.run": _op("run history", None, ("GET", _APP + "/runs")),
    "describe.run": _op("one run", None, ("GET", _APP + "/runs/{run_id}")),
    "get.run.node": _op("a run's node steps", None, ("GET", _APP + "/runs/{run_id}/nodes")),
    "test.console_app.workflow": _op(
        "test-run a workflow draft", None, ("POST", _APP + "/draft/workflow:run")
    ),
    "test.console_app.advanced_chat": _op(
        "test-run a chatflow draft", None, ("POST", _APP + "/draft/advanced-chat:run")
    ),
}

__all__ = ["OPS", "OpSpec", "Route"]
