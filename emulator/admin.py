"""The operator API under `/_emulator/` (moto's `/moto-api` analogue).

Enabled only when the emulator has an admin token; every route then needs
`Authorization: Bearer <admin token>`, and answers 404 (like an unknown route) otherwise.
This interface is fixed: benchmarks and other packages depend on it.

    GET    /_emulator/accounts                    → [{id, email, name, status}]
    POST   /_emulator/accounts                    {email, name?, password?, status?} → account
    POST   /_emulator/tokens                      {email, client_id?, device_label?, ttl_seconds?}
                                                  or {external_sso: {email, issuer}, …}
                                                  → {token, token_id, expires_at, subject_type}
    POST   /_emulator/device/approve|deny         {user_code, email} → {status} (RFC 8628
                                                  error body with 404/409 otherwise)
    POST   /_emulator/reset                       {seed: "demo" | null} → {seed}
    POST   /_emulator/bulk                        {workspace_id, apps, members} → counts and ids
    GET    /_emulator/stats                       → {requests: {"GET /apps/{app_id}/export": n}}
    DELETE /_emulator/stats                       → {requests: {}}
    GET    /_emulator/clock                       → {now, offset_seconds}
    POST   /_emulator/clock                       {advance_seconds} → {now, offset_seconds}
    GET    /_emulator/faults                      → {scenarios: [...], faults: [...]}
    POST   /_emulator/faults                      FaultSpec → the active fault (201)
    DELETE /_emulator/faults[/{id}]               → {faults: [...]}
    GET    /_emulator/settings                    → effective settings
    PATCH  /_emulator/settings                    partial settings → effective settings
    GET|PUT /_emulator/workspaces/{id}/plugins    {installed: ["org/name", …]}
    POST   /_emulator/workspaces                  {name, owner_email, status?} → workspace
    PATCH  /_emulator/workspaces/{id}             {name?, status?}
    POST   /_emulator/workspaces/{id}/members     {email, role} (direct membership, no invite)
    GET    /_emulator/apps/{app_id}               → app summary with workflow ids
    PATCH  /_emulator/apps/{app_id}               {yaml?, name?, description?, enable_api?,
                                                  access_mode?, touch?=true}
    DELETE /_emulator/apps/{app_id}
    POST   /_emulator/apps/{app_id}/publish       → {workflow_id, version}
    GET    /_emulator/scripts                     → {scripts: [...]}
    POST   /_emulator/scripts                     ScriptRule {app_id?, node?, prompt_contains?,
                                                  outputs?, text?, error?, tokens?, delay_s?}
                                                  → the rule with its id (201); delay_s is
                                                  waited for real (see add_script)
    DELETE /_emulator/scripts[/{id}]              → {scripts: [...]}
    GET    /_emulator/openapi.json                the emulated API's own OpenAPI document
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from emulator import admin_models as models
from emulator.backend.bulk import generate_bulk
from emulator.backend.console import ConsoleError
from emulator.backend.runs import ScriptRule
from emulator.clock import iso_offset
from emulator.faults import SCENARIOS, FaultSpec
from emulator.routes._common import bearer_of, emulator_of
from emulator.runtime import Emulator
from emulator.settings import SettingsPatch


def require_admin(request: Request) -> Emulator:
    emulator = emulator_of(request)
    presented = bearer_of(request)
    expected = emulator.admin_token
    if not expected or not presented:
        raise HTTPException(status_code=404)
    if not hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8")):
        raise HTTPException(status_code=404)
    return emulator


router = APIRouter(
    prefix="/_emulator", include_in_schema=False, dependencies=[Depends(require_admin)]
)


def _console_call(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except ConsoleError as exc:
        raise HTTPException(status_code=exc.status, detail=str(exc)) from None


# --- accounts and tokens ----------------------------------------------------------------


@router.get("/accounts")
def list_accounts(request: Request) -> list[dict[str, Any]]:
    accounts: list[dict[str, Any]] = emulator_of(request).backend.console.accounts()
    return accounts


@router.post("/accounts", status_code=201)
def create_account(request: Request, body: models.AccountCreate) -> dict[str, Any]:
    console = emulator_of(request).backend.console
    result: dict[str, Any] = _console_call(
        console.create_account,
        email=body.email,
        name=body.name,
        password=body.password,
        status=body.status,
    )
    return result


@router.post("/tokens", status_code=201)
def mint_token(request: Request, body: models.TokenMint) -> dict[str, Any]:
    emulator = emulator_of(request)
    console = emulator.backend.console
    settings = emulator.settings.current()
    if body.external_sso is not None:
        minted = console.mint_external_token(
            email=body.external_sso.email,
            issuer=body.external_sso.issuer,
            client_id=body.client_id,
            device_label=body.device_label,
            ttl_seconds=body.ttl_seconds,
            settings=settings,
        )
        subject_type = "external_sso"
    elif body.email:
        minted = _console_call(
            console.mint_account_token,
            email=body.email,
            client_id=body.client_id,
            device_label=body.device_label,
            ttl_seconds=body.ttl_seconds,
            settings=settings,
        )
        subject_type = "account"
    else:
        raise HTTPException(status_code=422, detail="give either email or external_sso")
    return {
        "token": minted.token,
        "token_id": minted.row.id,
        "expires_at": iso_offset(minted.row.expires_at),
        "subject_type": subject_type,
        "account_id": minted.row.account_id,
    }


@router.post("/device/approve")
def approve_device(request: Request, body: models.DeviceDecision) -> dict[str, str]:
    emulator = emulator_of(request)
    account = _console_call(emulator.backend.console.account_by_email, body.email)
    return emulator.backend.device.approve(
        body.user_code, account, settings=emulator.settings.current()
    )


@router.post("/device/deny")
def deny_device(request: Request, body: models.DeviceDecision) -> dict[str, str]:
    emulator = emulator_of(request)
    _console_call(emulator.backend.console.account_by_email, body.email)
    return emulator.backend.device.deny(body.user_code)


# --- state, data, counters, clock -------------------------------------------------------


@router.post("/reset")
def reset(request: Request, body: models.Reset | None = None) -> dict[str, Any]:
    seed = body.seed if body is not None else "demo"
    try:
        emulator_of(request).reset(seed)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return {"seed": seed}


@router.post("/bulk")
def bulk(request: Request, body: models.Bulk) -> dict[str, Any]:
    emulator = emulator_of(request)
    if emulator.store.people.workspace(body.workspace_id) is None:
        raise HTTPException(status_code=404, detail=f"no workspace {body.workspace_id}")
    return generate_bulk(
        emulator.store,
        emulator.clock,
        workspace_id=body.workspace_id,
        apps=body.apps,
        members=body.members,
    )


@router.get("/stats")
def stats(request: Request) -> dict[str, Any]:
    return {"requests": emulator_of(request).store.operations.request_counts()}


@router.delete("/stats")
def reset_stats(request: Request) -> dict[str, Any]:
    emulator_of(request).store.operations.clear_request_counts()
    return {"requests": {}}


def _clock_state(emulator: Emulator) -> dict[str, Any]:
    return {"now": iso_offset(emulator.clock.now()), "offset_seconds": emulator.clock.offset}


@router.get("/clock")
def get_clock(request: Request) -> dict[str, Any]:
    return _clock_state(emulator_of(request))


@router.post("/clock")
def advance_clock(request: Request, body: models.ClockAdvance) -> dict[str, Any]:
    emulator = emulator_of(request)
    emulator.clock.advance(body.advance_seconds)
    return _clock_state(emulator)


# --- faults and settings ----------------------------------------------------------------


def _faults_state(emulator: Emulator) -> dict[str, Any]:
    return {
        "scenarios": list(SCENARIOS),
        "faults": [f.to_json() for f in emulator.faults.active()],
    }


@router.get("/faults")
def list_faults(request: Request) -> dict[str, Any]:
    return _faults_state(emulator_of(request))


@router.post("/faults", status_code=201)
def add_fault(request: Request, body: FaultSpec) -> dict[str, Any]:
    return emulator_of(request).faults.add(body).to_json()


@router.delete("/faults")
def clear_faults(request: Request) -> dict[str, Any]:
    emulator = emulator_of(request)
    emulator.faults.clear()
    return _faults_state(emulator)


@router.delete("/faults/{fault_id}")
def remove_fault(request: Request, fault_id: int) -> dict[str, Any]:
    emulator = emulator_of(request)
    if not emulator.faults.remove(fault_id):
        raise HTTPException(status_code=404, detail=f"no fault {fault_id}")
    return _faults_state(emulator)


@router.get("/settings")
def get_settings(request: Request) -> dict[str, Any]:
    return emulator_of(request).settings.current().to_json()


@router.patch("/settings")
def patch_settings(request: Request, body: SettingsPatch) -> dict[str, Any]:
    return emulator_of(request).settings.patch(body).to_json()


# --- console edits ------------------------------------------------------------------------


@router.get("/workspaces/{workspace_id}/plugins")
def get_plugins(request: Request, workspace_id: str) -> dict[str, Any]:
    result: dict[str, Any] = _console_call(
        emulator_of(request).backend.console.plugins, workspace_id
    )
    return result


@router.put("/workspaces/{workspace_id}/plugins")
def put_plugins(request: Request, workspace_id: str, body: models.Plugins) -> dict[str, Any]:
    console = emulator_of(request).backend.console
    result: dict[str, Any] = _console_call(console.set_plugins, workspace_id, body.installed)
    return result


@router.post("/workspaces", status_code=201)
def create_workspace(request: Request, body: models.WorkspaceCreate) -> dict[str, Any]:
    console = emulator_of(request).backend.console
    result: dict[str, Any] = _console_call(
        console.create_workspace, name=body.name, owner_email=body.owner_email, status=body.status
    )
    return result


@router.patch("/workspaces/{workspace_id}")
def update_workspace(
    request: Request, workspace_id: str, body: models.WorkspaceUpdate
) -> dict[str, Any]:
    console = emulator_of(request).backend.console
    result: dict[str, Any] = _console_call(
        console.update_workspace, workspace_id, name=body.name, status=body.status
    )
    return result


@router.post("/workspaces/{workspace_id}/members", status_code=201)
def add_member(request: Request, workspace_id: str, body: models.MemberAdd) -> dict[str, Any]:
    console = emulator_of(request).backend.console
    result: dict[str, Any] = _console_call(
        console.add_member, workspace_id, email=body.email, role=body.role
    )
    return result


@router.get("/apps/{app_id}")
def get_app(request: Request, app_id: str) -> dict[str, Any]:
    emulator = emulator_of(request)
    app = emulator.store.apps.app(app_id)
    if app is None:
        raise HTTPException(status_code=404, detail=f"no app {app_id}")
    return emulator.backend.console.app_summary(app)


@router.patch("/apps/{app_id}")
def edit_app(request: Request, app_id: str, body: models.AppEdit) -> dict[str, Any]:
    console = emulator_of(request).backend.console
    result: dict[str, Any] = _console_call(
        console.edit_app,
        app_id,
        yaml_text=body.yaml,
        name=body.name,
        description=body.description,
        enable_api=body.enable_api,
        access_mode=body.access_mode,
        touch=body.touch,
    )
    return result


@router.delete("/apps/{app_id}")
def delete_app(request: Request, app_id: str) -> dict[str, Any]:
    result: dict[str, Any] = _console_call(emulator_of(request).backend.console.delete_app, app_id)
    return result


@router.post("/apps/{app_id}/publish", status_code=201)
def publish_app(request: Request, app_id: str) -> dict[str, Any]:
    result: dict[str, Any] = _console_call(emulator_of(request).backend.console.publish, app_id)
    return result


# --- scripted responses of the executor ---------------------------------------------------


def _scripts_state(emulator: Emulator) -> dict[str, Any]:
    return {"scripts": emulator.backend.runs.scripts.listing()}


@router.get("/scripts")
def list_scripts(request: Request) -> dict[str, Any]:
    return _scripts_state(emulator_of(request))


@router.post("/scripts", status_code=201)
def add_script(request: Request, body: ScriptRule) -> dict[str, Any]:
    """Add a rule (the newest matching rule wins). `delay_s` is how long the node takes:
    the run's thread really waits it, on `Emulator.clock.wait` (a stop cuts it short), so
    the run stays running meanwhile — stop ends it `stopped`, the app's concurrency quota
    counts it, the node's and the run's elapsed times cover it. The `stream_slow` fault is
    another wait: it delays each event's delivery to the reader (`Emulator.stream_sleep`)
    and leaves the run alone. An in-process test that scripts a long delay and does not
    want to wait for it says so by replacing `clock.wait` with one that returns False at
    once (the node still reports the delay as its elapsed time), as the slow-stream test
    of tests/emulator/test_runtime_flows.py does."""
    rule_id = emulator_of(request).backend.runs.scripts.add(body)
    return {"id": rule_id, **body.model_dump()}


@router.delete("/scripts")
def clear_scripts(request: Request) -> dict[str, Any]:
    emulator = emulator_of(request)
    emulator.backend.runs.scripts.clear()
    return _scripts_state(emulator)


@router.delete("/scripts/{rule_id}")
def remove_script(request: Request, rule_id: int) -> dict[str, Any]:
    emulator = emulator_of(request)
    if not emulator.backend.runs.scripts.remove(rule_id):
        raise HTTPException(status_code=404, detail=f"no script {rule_id}")
    return _scripts_state(emulator)


@router.get("/openapi.json")
def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())
