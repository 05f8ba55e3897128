"""A local emulator of Dify's user-scoped OpenAPI v1 (`/openapi/v1`, the contract's S2 paths).

A second implementation of the Dify server written from the contract documents
(`../shared/reference/dify-openapi-contract.md`), not a mock; it imports nothing from
the rest of this repository.

Layers (moto-like):

* `emulator.store`      SQLite persistence (the only SQL)
* `emulator.backend`    Dify's domain rules, no HTTP
* `emulator.routes`     thin FastAPI routers under `/openapi/v1`
* `emulator.admin`      the operator API under `/_emulator/` (off without an admin token)
* `emulator.device_page` the `/device` approval page
* `emulator.server`     `EmulatorServer` (uvicorn in a thread) and `emulator.cli`

Start one with `python -m emulator serve --port 0 --seed demo --admin-token SECRET`, or
in Python with `EmulatorServer(seed="demo", admin_token="SECRET")`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.server import EmulatorServer
    from emulator.settings import EmulatorSettings

__all__ = ["EmulatorServer", "EmulatorSettings"]


def __getattr__(name: str) -> Any:
    # Lazy, so `import emulator.store` does not pull in uvicorn and FastAPI.
    if name == "EmulatorServer":
        from emulator.server import EmulatorServer  # noqa: PLC0415

        return EmulatorServer
    if name == "EmulatorSettings":
        from emulator.settings import EmulatorSettings  # noqa: PLC0415

        return EmulatorSettings
    raise AttributeError(name)
