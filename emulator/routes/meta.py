"""`/_health` and `/_version` (no auth)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from emulator.routes._common import emulator_of, ok

router = APIRouter()


@router.get("/_health", summary="Liveness")
async def health() -> JSONResponse:
    return ok({"ok": True})


@router.get("/_version", summary="Server version and edition")
async def version(request: Request) -> JSONResponse:
    settings = emulator_of(request).settings.current()
    # S2's _meta.py reports SELF_HOSTED or CLOUD; anything else collapses to SELF_HOSTED.
    edition = settings.edition if settings.edition in ("SELF_HOSTED", "CLOUD") else "SELF_HOSTED"
    return ok({"version": settings.server_version, "edition": edition})
