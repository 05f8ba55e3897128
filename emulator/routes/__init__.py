"""Thin FastAPI routers of `/openapi/v1`: parse → backend → response.

`runs` is the runtime group (run, task events, stop, file upload, human-input forms).
"""

from __future__ import annotations

from fastapi import APIRouter

from emulator.routes import account, apps, dsl, meta, oauth_device, runs, workspaces
from emulator.routes._common import PREFIX

__all__ = ["PREFIX", "api_router"]


def api_router() -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    for module in (meta, oauth_device, account, workspaces, apps, dsl, runs):
        router.include_router(module.router)
    return router
