"""The composition root: one emulator instance (store, clock, settings, faults, backend).

Both the HTTP app and `EmulatorServer` hold an `Emulator`. Nothing here touches the
network, files or the environment until an instance is created.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx

from emulator.backend import Backend
from emulator.backend.dsl_import import UrlFetcher
from emulator.backend.runs import Executor
from emulator.clock import Clock
from emulator.faults import FaultRegistry
from emulator.seeds import apply_seed
from emulator.settings import EmulatorSettings, SettingsManager
from emulator.store import Store

URL_FETCH_TIMEOUT = 10.0


def fetch_url(url: str) -> str:
    """`yaml-url` imports: GET with redirects followed and Dify's 10 s timeouts."""
    response = httpx.get(url, follow_redirects=True, timeout=URL_FETCH_TIMEOUT)
    response.raise_for_status()
    return response.text


class Emulator:
    def __init__(
        self,
        *,
        db_path: str = ":memory:",
        settings: EmulatorSettings | None = None,
        seed: str | None = "demo",
        admin_token: str | None = None,
        clock: Clock | None = None,
        url_fetcher: UrlFetcher = fetch_url,
        executor: Executor | None = None,
    ) -> None:
        self.clock = clock or Clock()
        self.store = Store(db_path)
        self.settings = SettingsManager(
            settings or EmulatorSettings(),
            load_overrides=self.store.operations.setting_overrides,
            save_override=self.store.operations.save_setting,
            clear_overrides=self.store.operations.clear_settings,
        )
        self.faults = FaultRegistry()
        # The `stream_slow` fault's per-event delay goes through here, so a test can
        # record the delays instead of sleeping them.
        self.stream_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.backend = Backend(self.store, self.clock, url_fetcher, executor)
        self.admin_token = admin_token or None
        # `--seed demo` on a database that already has state must not wipe it.
        self.seed_skipped = False
        if seed is not None:
            if self.store.is_empty():
                apply_seed(seed, self.store)
            else:
                self.seed_skipped = True

    def reset(self, seed: str | None) -> None:
        """Back to a fresh state: data, counters, faults, clock offset, setting overrides."""
        self.backend.runs.reset()
        self.store.wipe()
        apply_seed(seed, self.store)
        self.faults.clear()
        self.clock.reset()
        self.backend.limiter.reset()
        self.settings.reset()

    def console_url(self, request_base_url: str) -> str:
        """`CONSOLE_WEB_URL`, defaulting to the server's own base URL."""
        return (self.settings.current().console_url or request_base_url).rstrip("/")

    def close(self) -> None:
        self.backend.runs.reset()  # stops the runs and waits for their threads
        self.store.close()
