"""What an S3 server adds around every `/openapi/v1` request.

From Dify `api/controllers/openapi/_catalog.py` and `_version_gate.py`:
- every `/openapi/v1` response carries the catalog's sha256 hex in `X-Dify-Catalog`,
  so a client sees a stale cached copy without an extra call;
- the version gate answers 426 `upgrade_required` to a `difyctl/<semver>` User-Agent
  older than 0.2.0-alpha on any path under the prefix (removed paths included), except
  `/_version` and `/_health`; other User-Agents pass.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.version import InvalidVersion, Version
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator import errors
from emulator.routes._common import PREFIX
from emulator.routes.s3 import canonical_catalog

CATALOG_HEADER = b"x-dify-catalog"
MIN_DIFYCTL_VERSION = "0.2.0-alpha"
_DIFYCTL_UA = re.compile(r"^difyctl/(\d+\.\d+\.\d+(?:-[\w.]+)?)")
_UNGATED = frozenset({PREFIX + "/_version", PREFIX + "/_health"})


def _too_old(user_agent: str) -> str | None:
    match = _DIFYCTL_UA.match(user_agent)
    if match is None:
        return None
    try:
        if Version(match.group(1)) < Version(MIN_DIFYCTL_VERSION):
            return match.group(1)
    except InvalidVersion:
        return None
    return None


class S3Layer:
    def __init__(self, app: ASGIApp, catalog: dict[str, Any]) -> None:
        self.app = app
        self.fingerprint = canonical_catalog(catalog)[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        fingerprint = self.fingerprint.encode()

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != CATALOG_HEADER]
                message = {**message, "headers": [*headers, (CATALOG_HEADER, fingerprint)]}
            await send(message)

        user_agent = dict(scope.get("headers") or []).get(b"user-agent", b"").decode("latin-1")
        old = _too_old(user_agent) if path not in _UNGATED else None
        response: Response | None = None
        if old is not None:
            error = errors.UpgradeRequired(
                f"difyctl {old} is no longer supported; upgrade to >= {MIN_DIFYCTL_VERSION}."
            )
            status, body, headers = errors.render(error)
            response = JSONResponse(body, status_code=status, headers=headers)
        if response is not None:
            await response(scope, receive, stamped)
            return
        await self.app(scope, receive, stamped)
