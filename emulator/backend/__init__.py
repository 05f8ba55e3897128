"""Dify's domain rules, with no knowledge of HTTP (moto's "backend" layer).

`Backend` wires the services over one store and one clock. Routes and the admin API call
these services with plain Python values and get plain values back, or an
`emulator.errors.EmulatorError`.
"""

from __future__ import annotations

from emulator.backend.accounts import AccountService
from emulator.backend.apps import AppService
from emulator.backend.auth import AuthPipeline
from emulator.backend.console import ConsoleService
from emulator.backend.device_flow import DeviceFlowService
from emulator.backend.dsl_check import DslChecker
from emulator.backend.dsl_export import DslExporter
from emulator.backend.dsl_import import DslImporter, UrlFetcher
from emulator.backend.env_vars import EnvVarService
from emulator.backend.members import MemberService
from emulator.backend.rate_limit import SlidingWindowLimiter
from emulator.backend.release import ReleaseService
from emulator.backend.runs import Executor, FileService, FormService, RunService, ScriptRegistry
from emulator.backend.tokens import TokenService
from emulator.backend.workspaces import WorkspaceService
from emulator.clock import Clock
from emulator.store import Store

__all__ = ["Backend"]


class Backend:
    def __init__(
        self, store: Store, clock: Clock, fetch_url: UrlFetcher, executor: Executor | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        self.limiter = SlidingWindowLimiter(clock)
        self.tokens = TokenService(store, clock)
        self.auth = AuthPipeline(store, self.tokens, self.limiter)
        self.accounts = AccountService(store, clock, self.tokens)
        self.workspaces = WorkspaceService(store)
        self.members = MemberService(store, clock)
        self.apps = AppService(store)
        self.exporter = DslExporter(store)
        self.env = EnvVarService(store, clock)
        self.importer = DslImporter(store, clock, fetch_url)
        self.dsl_check = DslChecker(store)
        self.device = DeviceFlowService(store, clock, self.tokens)
        self.console = ConsoleService(store, clock, self.tokens)
        self.release = ReleaseService(store, clock)
        self.runs = RunService(store, clock, ScriptRegistry(), executor)
        self.forms = FormService(store, clock, self.runs.tasks)
        self.files = FileService(store, clock)
