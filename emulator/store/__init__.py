"""SQLite persistence of the emulator: the only module tree that contains SQL.

`Store(":memory:")` (the default) keeps state for the life of the process; a file path
keeps it across restarts. One connection and one re-entrant lock per instance; the
repositories below share them:

* `store.people`      accounts, workspaces, memberships, invitations, console sessions
* `store.credentials` bearer tokens (sha256 only), device codes, device poll times
* `store.apps`        apps, workflows (draft and published), pending imports,
                      dependency-check entries, installed plugins
* `store.operations`  setting overrides and request counters
* `store.runs`        workflow runs, human-input forms, uploaded files
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from emulator.store.apps import AppQuery, AppRepository
from emulator.store.credentials import CredentialRepository
from emulator.store.database import Database
from emulator.store.operations import OperationsRepository
from emulator.store.people import PeopleRepository
from emulator.store.runs import RunRepository
from emulator.store.schema import STATE_TABLES

__all__ = ["AppQuery", "Store"]


class Store:
    def __init__(self, path: str = ":memory:") -> None:
        self.db = Database(path)
        self.people = PeopleRepository(self.db)
        self.credentials = CredentialRepository(self.db)
        self.apps = AppRepository(self.db)
        self.operations = OperationsRepository(self.db)
        self.runs = RunRepository(self.db)

    @property
    def path(self) -> str:
        return self.db.path

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.transaction():
            yield

    def is_empty(self) -> bool:
        """True when no account and no workspace exists (a fresh database)."""
        accounts = int(self.db.scalar("SELECT count(*) FROM accounts"))
        workspaces = int(self.db.scalar("SELECT count(*) FROM workspaces"))
        return accounts == 0 and workspaces == 0

    def wipe(self, *, keep_settings: bool = False) -> None:
        with self.transaction():
            for table in STATE_TABLES:
                if keep_settings and table == "settings":
                    continue
                self.db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def close(self) -> None:
        self.db.close()
