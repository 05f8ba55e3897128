"""Operator state: stored setting overrides and per-route request counters."""

from __future__ import annotations

from emulator.store.database import Database


class OperationsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def setting_overrides(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self._db.query("SELECT key, value FROM settings")}

    def save_setting(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def clear_settings(self) -> None:
        self._db.execute("DELETE FROM settings")

    def count_request(self, route: str) -> None:
        self._db.execute(
            "INSERT INTO request_counts (route, count) VALUES (?, 1)"
            " ON CONFLICT(route) DO UPDATE SET count = count + 1",
            (route,),
        )

    def request_counts(self) -> dict[str, int]:
        rows = self._db.query("SELECT route, count FROM request_counts ORDER BY route")
        return {r["route"]: int(r["count"]) for r in rows}

    def clear_request_counts(self) -> None:
        self._db.execute("DELETE FROM request_counts")
