"""Pytest fixtures for the Dify API emulator, shared by every test package.

    def test_something(emulator):               # the demo seed, freshly reset
        token = emulator.admin.token("ada@acme.example")
        with emulator.client(token) as api:     # httpx.Client on /openapi/v1 with the bearer
            api.get("/apps", params={"workspace_id": DEMO.ACME_DEV})

Fixtures
    emulator_server   session-scoped `EmulatorServer` (demo seed, admin token ADMIN_TOKEN)
    emulator          function-scoped: resets that server to the demo seed (data, counters,
                      faults, clock offset, settings) and returns an `EmulatorHandle`
    emulator_factory  starts extra servers (another "host", a file database, other settings);
                      each is stopped at the end of the test

`EmulatorHandle.admin` is an `AdminClient` with one method per operator call
(see `emulator.admin`): token, external_token, approve, deny, reset, bulk, stats,
reset_stats, advance, clock, fault, faults, clear_faults, settings, plugins, edit_app,
app, delete_app, publish, create_account, accounts, create_workspace, update_workspace,
add_member, openapi.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from dify_client import DifyClient
from dify_client._ops import OPS
from dify_client._routing import forget_hosts
from emulator.seeds import demo as DEMO  # read as a namespace of constants
from emulator.server import EmulatorServer
from emulator.settings import EmulatorSettings

__all__ = [
    "ADMIN_TOKEN",
    "DEMO",
    "AdminClient",
    "EmulatorHandle",
    "api_generation",
    "emulator",
    "emulator_factory",
    "emulator_server",
]

ADMIN_TOKEN = "emulator-admin-token-for-tests"


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Building a default context costs ~40 ms per httpx.Client; the emulator is plain
    # HTTP, but httpx builds one anyway, so share a single one across clients.
    return ssl.create_default_context()


class AdminClient:
    """Typed-ish helper over the operator API (`/_emulator/…`); raises on HTTP errors."""

    def __init__(self, base_url: str, admin_token: str = ADMIN_TOKEN) -> None:
        self._http = httpx.Client(
            base_url=base_url + "/_emulator",
            headers={"Authorization": f"Bearer {admin_token}"},
            timeout=30.0,
            verify=_ssl_context(),
        )

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        response = self._http.request(method, path, json=json)
        response.raise_for_status()
        return response.json()

    # accounts and tokens
    def accounts(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/accounts")
        return result

    def create_account(self, email: str, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/accounts", {"email": email, **fields})
        return result

    def mint(self, email: str, **options: Any) -> dict[str, Any]:
        """Full mint answer: {token, token_id, expires_at, subject_type, account_id}."""
        result: dict[str, Any] = self._call("POST", "/tokens", {"email": email, **options})
        return result

    def token(self, email: str = "ada@acme.example", **options: Any) -> str:
        """A live `dfoa_` token for the account (client_id, device_label, ttl_seconds)."""
        return str(self.mint(email, **options)["token"])

    def external_token(self, email: str, issuer: str = "https://sso.acme.example") -> str:
        body = {"external_sso": {"email": email, "issuer": issuer}}
        return str(self._call("POST", "/tokens", body)["token"])

    def approve(self, user_code: str, email: str = "ada@acme.example") -> httpx.Response:
        return self._http.post("/device/approve", json={"user_code": user_code, "email": email})

    def deny(self, user_code: str, email: str = "ada@acme.example") -> httpx.Response:
        return self._http.post("/device/deny", json={"user_code": user_code, "email": email})

    # state
    def reset(self, seed: str | None = "demo") -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/reset", {"seed": seed})
        return result

    def bulk(self, workspace_id: str, *, apps: int = 0, members: int = 0) -> dict[str, Any]:
        body = {"workspace_id": workspace_id, "apps": apps, "members": members}
        result: dict[str, Any] = self._call("POST", "/bulk", body)
        return result

    def stats(self) -> dict[str, int]:
        result: dict[str, int] = self._call("GET", "/stats")["requests"]
        return result

    def reset_stats(self) -> None:
        self._call("DELETE", "/stats")

    def advance(self, seconds: float) -> str:
        return str(self._call("POST", "/clock", {"advance_seconds": seconds})["now"])

    def clock(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/clock")
        return result

    # faults and settings
    def fault(self, scenario: str, **options: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/faults", {"scenario": scenario, **options})
        return result

    def faults(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/faults")
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def settings(self, **changes: Any) -> dict[str, Any]:
        """GET the effective settings, or PATCH them when keyword arguments are given."""
        result: dict[str, Any] = (
            self._call("PATCH", "/settings", changes) if changes else self._call("GET", "/settings")
        )
        return result

    def plugins(self, workspace_id: str, installed: list[str] | None = None) -> dict[str, Any]:
        path = f"/workspaces/{workspace_id}/plugins"
        result: dict[str, Any] = (
            self._call("GET", path)
            if installed is None
            else self._call("PUT", path, {"installed": installed})
        )
        return result

    # console edits
    def app(self, app_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/apps/{app_id}")
        return result

    def edit_app(self, app_id: str, **changes: Any) -> dict[str, Any]:
        """yaml=, name=, description=, enable_api=, access_mode=, touch= (default True)."""
        result: dict[str, Any] = self._call("PATCH", f"/apps/{app_id}", changes)
        return result

    def delete_app(self, app_id: str) -> None:
        self._call("DELETE", f"/apps/{app_id}")

    def publish(self, app_id: str) -> str:
        return str(self._call("POST", f"/apps/{app_id}/publish")["workflow_id"])

    def create_workspace(self, name: str, owner_email: str, **fields: Any) -> dict[str, Any]:
        body = {"name": name, "owner_email": owner_email, **fields}
        result: dict[str, Any] = self._call("POST", "/workspaces", body)
        return result

    def update_workspace(self, workspace_id: str, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("PATCH", f"/workspaces/{workspace_id}", fields)
        return result

    def add_member(self, workspace_id: str, email: str, role: str = "normal") -> dict[str, Any]:
        body = {"email": email, "role": role}
        result: dict[str, Any] = self._call("POST", f"/workspaces/{workspace_id}/members", body)
        return result

    # scripted responses of the executor
    def script(self, **rule: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/scripts", rule)
        return result

    def scripts(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/scripts")["scripts"]
        return result

    def clear_scripts(self) -> None:
        self._call("DELETE", "/scripts")

    def openapi(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/openapi.json")
        return result


@dataclass
class EmulatorHandle:
    server: EmulatorServer
    admin: AdminClient
    _clients: list[httpx.Client] = field(default_factory=list)
    generation: str = "s2"

    def route(self, op: str, mode: str = "workflow") -> str:
        """The request counters' key of an op id on this generation ("GET /apps/{app_id}/dsl").

        `run.app` names S2's single run route; on S3 it is the route of the app's `mode`.
        """
        if op == "run.app" and self.generation == "s3":
            op = "run.console_app." + {"agent-chat": "chat"}.get(mode, mode).replace("-", "_")
        spec = OPS[op]
        route = spec.s3 if self.generation == "s3" else spec.s2
        if route is None:
            raise KeyError(f"{op} does not exist on {self.generation}")
        return f"{route.method} {route.template}"

    def export(self, app_id: str, *, include_secret: bool = False) -> str:
        """An app's DSL through a DifyClient, so the path fits the generation served."""
        with DifyClient(self.base_url, self.admin.token()) as dify:
            return dify.dsl.export(app_id, include_secret=include_secret)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def api_url(self) -> str:
        return self.server.api_url

    def client(self, token: str | None = None, **options: Any) -> httpx.Client:
        """An httpx client on `/openapi/v1`, with the bearer when given (closed at teardown)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        options.setdefault("verify", _ssl_context())
        client = httpx.Client(base_url=self.api_url, headers=headers, timeout=30.0, **options)
        self._clients.append(client)
        return client

    def close_clients(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    server = EmulatorServer(seed="demo", admin_token=ADMIN_TOKEN)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _emulator_admin(emulator_server: EmulatorServer) -> Iterator[AdminClient]:
    admin = AdminClient(emulator_server.base_url)
    try:
        yield admin
    finally:
        admin.close()


@pytest.fixture
def api_generation(request: pytest.FixtureRequest) -> str:
    """The Dify API generation the `emulator` fixture serves: `s2` unless a tier's
    conftest parametrises it (the contract tier runs every test against both)."""
    return str(getattr(request, "param", "s2"))


@pytest.fixture
def emulator(
    emulator_server: EmulatorServer, _emulator_admin: AdminClient, api_generation: str
) -> Iterator[EmulatorHandle]:
    _emulator_admin.reset("demo")
    if api_generation != "s2":
        _emulator_admin.settings(generation=api_generation)
    # Clients cache what a host serves per process; the shared server changes generation.
    forget_hosts()
    handle = EmulatorHandle(
        server=emulator_server, admin=_emulator_admin, generation=api_generation
    )
    try:
        yield handle
    finally:
        handle.close_clients()


EmulatorFactory = Callable[..., EmulatorHandle]


@pytest.fixture
def emulator_factory() -> Iterator[EmulatorFactory]:
    """`emulator_factory(seed="demo", db=":memory:", settings=EmulatorSettings(...), **kw)`."""
    started: list[EmulatorHandle] = []

    def start(
        *,
        seed: str | None = "demo",
        db: str = ":memory:",
        settings: EmulatorSettings | None = None,
        admin_token: str = ADMIN_TOKEN,
    ) -> EmulatorHandle:
        server = EmulatorServer(seed=seed, db=db, settings=settings, admin_token=admin_token)
        server.start()
        handle = EmulatorHandle(server=server, admin=AdminClient(server.base_url, admin_token))
        started.append(handle)
        return handle

    try:
        yield start
    finally:
        for handle in started:
            handle.close_clients()
            handle.admin.close()
            handle.server.stop()
