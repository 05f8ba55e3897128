"""S3 draft environment variables: `GET /apps/{id}/env`, `PUT|DELETE /apps/{id}/env/{env_id}`.

Dify `api/controllers/openapi/app_workflow.py` (`AppEnvListApi`, `AppEnvItemApi`): the
read needs an editor (`_ENV_READ_GUARDS`, `editor=True`) as the writes do. The rules
live in `emulator.backend.env_vars`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from emulator.backend.context import EDITORS, RouteRule
from emulator.routes._common import authorize, emulator_of, ok, validate_body
from emulator.routes._models import EnvVariableSetPayload

EDITOR = RouteRule(app_scoped=True, roles=EDITORS)


async def list_env(request: Request, app_id: str) -> JSONResponse:
    auth = authorize(request, EDITOR, app_id=app_id)
    return ok(emulator_of(request).backend.env.list(auth))


async def set_env(request: Request, app_id: str, env_id: str) -> JSONResponse:
    auth = authorize(request, EDITOR, app_id=app_id)
    body = await validate_body(EnvVariableSetPayload, request)
    return ok(
        emulator_of(request).backend.env.set(
            auth,
            env_id,
            name=body.name,
            value_type=body.value_type,
            value=body.value,
            description=body.description,
        )
    )


async def delete_env(request: Request, app_id: str, env_id: str) -> JSONResponse:
    auth = authorize(request, EDITOR, app_id=app_id)
    return ok(emulator_of(request).backend.env.delete(auth, env_id))
