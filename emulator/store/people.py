"""Accounts, workspaces (tenants), memberships, invitations and console sessions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from emulator.store.database import Database
from emulator.store.rows import (
    AccountRow,
    ConsoleSessionRow,
    MemberRow,
    MembershipRow,
    WorkspaceRow,
)


class PeopleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- accounts -------------------------------------------------------------------

    def insert_account(self, account: AccountRow) -> None:
        self._db.execute(
            "INSERT INTO accounts (id, email, name, password_hash, status, avatar, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                account.id,
                account.email,
                account.name,
                account.password_hash,
                account.status,
                account.avatar,
                account.created_at,
            ),
        )

    def insert_accounts(self, accounts: Sequence[AccountRow]) -> None:
        self._db.execute_many(
            "INSERT OR IGNORE INTO accounts"
            " (id, email, name, password_hash, status, avatar, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (a.id, a.email, a.name, a.password_hash, a.status, a.avatar, a.created_at)
                for a in accounts
            ],
        )

    def account(self, account_id: str) -> AccountRow | None:
        row = self._db.query_one("SELECT * FROM accounts WHERE id = ?", (account_id,))
        return AccountRow.from_row(row) if row else None

    def account_by_email(self, email: str) -> AccountRow | None:
        row = self._db.query_one("SELECT * FROM accounts WHERE lower(email) = lower(?)", (email,))
        return AccountRow.from_row(row) if row else None

    def accounts(self) -> list[AccountRow]:
        rows = self._db.query("SELECT * FROM accounts ORDER BY created_at, email")
        return [AccountRow.from_row(r) for r in rows]

    def delete_account(self, account_id: str) -> None:
        self._db.execute("DELETE FROM accounts WHERE id = ?", (account_id,))

    # --- workspaces -----------------------------------------------------------------

    def insert_workspace(self, workspace: WorkspaceRow) -> None:
        self._db.execute(
            "INSERT INTO workspaces (id, name, status, created_at) VALUES (?, ?, ?, ?)",
            (workspace.id, workspace.name, workspace.status, workspace.created_at),
        )

    def workspace(self, workspace_id: str) -> WorkspaceRow | None:
        row = self._db.query_one("SELECT * FROM workspaces WHERE id = ?", (workspace_id,))
        return WorkspaceRow.from_row(row) if row else None

    def workspaces(self) -> list[WorkspaceRow]:
        rows = self._db.query("SELECT * FROM workspaces ORDER BY created_at, id")
        return [WorkspaceRow.from_row(r) for r in rows]

    def set_workspace_status(self, workspace_id: str, status: str) -> None:
        self._db.execute("UPDATE workspaces SET status = ? WHERE id = ?", (status, workspace_id))

    def rename_workspace(self, workspace_id: str, name: str) -> None:
        self._db.execute("UPDATE workspaces SET name = ? WHERE id = ?", (name, workspace_id))

    # --- memberships ----------------------------------------------------------------

    def add_membership(
        self, workspace_id: str, account_id: str, role: str, created_at: float, *, current: bool
    ) -> None:
        self._db.execute(
            "INSERT INTO memberships (workspace_id, account_id, role, current, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (workspace_id, account_id, role, int(current), created_at),
        )

    def add_memberships(self, rows: Iterable[tuple[str, str, str, float]]) -> None:
        self._db.execute_many(
            "INSERT OR IGNORE INTO memberships"
            " (workspace_id, account_id, role, current, created_at) VALUES (?, ?, ?, 0, ?)",
            list(rows),
        )

    def membership(self, workspace_id: str, account_id: str) -> MembershipRow | None:
        row = self._db.query_one(
            "SELECT w.*, m.account_id, m.role, m.current, m.created_at AS joined_at"
            " FROM memberships m JOIN workspaces w ON w.id = m.workspace_id"
            " WHERE m.workspace_id = ? AND m.account_id = ?",
            (workspace_id, account_id),
        )
        if row is None:
            return None
        return MembershipRow(
            workspace=WorkspaceRow.from_row(row),
            account_id=row["account_id"],
            role=row["role"],
            current=bool(row["current"]),
            created_at=row["joined_at"],
        )

    def memberships_of(self, account_id: str) -> list[MembershipRow]:
        """Every membership of an account, oldest first (the order Dify's join returns)."""
        rows = self._db.query(
            "SELECT w.*, m.account_id, m.role, m.current, m.created_at AS joined_at"
            " FROM memberships m JOIN workspaces w ON w.id = m.workspace_id"
            " WHERE m.account_id = ? ORDER BY m.created_at, m.rowid",
            (account_id,),
        )
        return [
            MembershipRow(
                workspace=WorkspaceRow.from_row(r),
                account_id=r["account_id"],
                role=r["role"],
                current=bool(r["current"]),
                created_at=r["joined_at"],
            )
            for r in rows
        ]

    def members_of(self, workspace_id: str, *, offset: int = 0, limit: int = -1) -> list[MemberRow]:
        """Members in join order; `offset`/`limit` slice it (-1: no limit)."""
        rows = self._db.query(
            "SELECT a.*, m.role AS member_role FROM memberships m"
            " JOIN accounts a ON a.id = m.account_id"
            " WHERE m.workspace_id = ? ORDER BY m.created_at, m.rowid LIMIT ? OFFSET ?",
            (workspace_id, limit, min(offset, 2**63 - 1)),
        )
        return [MemberRow(account=AccountRow.from_row(r), role=r["member_role"]) for r in rows]

    def count_members(self, workspace_id: str) -> int:
        return int(
            self._db.scalar(
                "SELECT count(*) FROM memberships WHERE workspace_id = ?", (workspace_id,)
            )
        )

    def set_role(self, workspace_id: str, account_id: str, role: str) -> None:
        self._db.execute(
            "UPDATE memberships SET role = ? WHERE workspace_id = ? AND account_id = ?",
            (role, workspace_id, account_id),
        )

    def remove_membership(self, workspace_id: str, account_id: str) -> None:
        self._db.execute(
            "DELETE FROM memberships WHERE workspace_id = ? AND account_id = ?",
            (workspace_id, account_id),
        )

    def set_current(self, account_id: str, workspace_id: str) -> None:
        self._db.execute(
            "UPDATE memberships SET current = (workspace_id = ?) WHERE account_id = ?",
            (workspace_id, account_id),
        )

    # --- invitations ----------------------------------------------------------------

    def add_invitation(self, token: str, workspace_id: str, account_id: str, at: float) -> None:
        self._db.execute(
            "INSERT INTO invitations (token, workspace_id, account_id, created_at)"
            " VALUES (?, ?, ?, ?)",
            (token, workspace_id, account_id, at),
        )

    # --- console sessions (cookie sign-in of the /device page) ------------------------

    def add_console_session(self, session: ConsoleSessionRow) -> None:
        self._db.execute(
            "INSERT INTO console_sessions (id, account_id, csrf_token, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                session.id,
                session.account_id,
                session.csrf_token,
                session.created_at,
                session.expires_at,
            ),
        )

    def console_session(self, session_id: str) -> ConsoleSessionRow | None:
        row = self._db.query_one("SELECT * FROM console_sessions WHERE id = ?", (session_id,))
        if row is None:
            return None
        return ConsoleSessionRow(
            id=row["id"],
            account_id=row["account_id"],
            csrf_token=row["csrf_token"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
        )

    def delete_console_session(self, session_id: str) -> None:
        self._db.execute("DELETE FROM console_sessions WHERE id = ?", (session_id,))
