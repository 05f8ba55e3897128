"""`EmulatorServer`: the emulator on 127.0.0.1 in a background thread.

    with EmulatorServer(seed="demo", admin_token="secret") as server:
        httpx.get(server.api_url + "/_health")

Port 0 (the default) picks a free port; `base_url` is known once `start()` returns,
which is after uvicorn accepts connections. uvicorn logs at warning level with access
logs off, so tokens (or anything else from a request) never reach the logs.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from emulator.app import EmulatorApp, create_app
from emulator.runtime import Emulator
from emulator.settings import EmulatorSettings

STARTUP_TIMEOUT_SECONDS = 15.0


class EmulatorServer:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str = ":memory:",
        seed: str | None = "demo",
        admin_token: str | None = None,
        settings: EmulatorSettings | None = None,
        log_level: str = "warning",
        emulator: Emulator | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.emulator = emulator or Emulator(
            db_path=db, settings=settings, seed=seed, admin_token=admin_token
        )
        self.app: EmulatorApp = create_app(self.emulator)
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port: int | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the emulator server is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/openapi/v1"

    def start(self) -> EmulatorServer:
        if self._thread is not None:
            raise RuntimeError("already started")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit this on Linux: without it, Nagle plus delayed ACKs
        # add ~40 ms to every keep-alive response written in two parts (head, body).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.host, self.requested_port))
        sock.listen(128)
        self._socket = sock
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            log_level=self._log_level,
            access_log=False,
            http="h11",
            lifespan="off",
            ws="none",
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="dify-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the emulator server failed to start")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator server did not start in time")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = None
        self._thread = None
        self._socket = None
        self.emulator.close()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server thread ends (or the timeout passes); True when it ended."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
