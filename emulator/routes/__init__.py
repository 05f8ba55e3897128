"""Thin FastAPI routers of `/openapi/v1`: parse → backend → response.

The runtime group (run, task events, stop, file upload, human-input forms) is not
implemented yet: those paths answer the canonical 404 ErrorBody of an unknown route,
exactly as Dify does for a route it does not have.
"""

from __future__ import annotations

from fastapi import APIRouter

from emulator.routes import account, apps, dsl, meta, oauth_device, workspaces
from emulator.routes._common import PREFIX

__all__ = ["PREFIX", "api_router"]


def api_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    for module in (meta, oauth_device, account, workspaces, apps, dsl):
        router.include_router(module.router)
    return router
