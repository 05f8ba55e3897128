"""One SQLite connection, one lock, explicit transactions.

The connection is opened in autocommit mode; `transaction()` wraps a block in
BEGIN/COMMIT (ROLLBACK on an exception) and may nest (only the outermost level talks
to SQLite). Every statement runs under the same re-entrant lock, so the uvicorn worker
threads and the admin API never interleave inside a transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from emulator.store.schema import ADDED_COLUMNS, SCHEMA

Params = Sequence[Any]


class StoreClosed(RuntimeError):
    """A statement after `close()`: the emulator is shutting down (a run thread that
    outlived the wait for it ends quietly on this)."""


class Database:
    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._depth = 0
        self._closed = False
        with self._lock:
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.executescript(SCHEMA)
            self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        for table, column, declaration in ADDED_COLUMNS:
            present = {row["name"] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._conn.close()

    @property
    def _open(self) -> sqlite3.Connection:
        """The connection, for a caller holding the lock; StoreClosed once closed."""
        if self._closed:
            raise StoreClosed("the emulator's store is closed")
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._open.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._open.execute("ROLLBACK")
                raise
            else:
                self._depth -= 1
                if outermost:
                    self._open.execute("COMMIT")

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        with self._lock:
            cursor = self._open.execute(sql, params)
            return cursor.rowcount

    def execute_many(self, sql: str, rows: Iterable[Params]) -> None:
        with self._lock:
            self._open.executemany(sql, rows)

    def query(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._open.execute(sql, params).fetchall())

    def query_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        with self._lock:
            row: sqlite3.Row | None = self._open.execute(sql, params).fetchone()
            return row

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.query_one(sql, params)
        return None if row is None else row[0]
