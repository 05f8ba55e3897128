"""Tables at 80 columns: an id, an e-mail or a timestamp is never split across lines; on
a narrow terminal the ID column is left out (and said so) rather than folded, and a row
still too wide is printed as a block of lines; piped, no line ends in padding and nothing
is folded at the terminal's width."""

from __future__ import annotations

import json
import re

import pytest

from tests.cli.conftest import Invoke

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
UUID_START = re.compile(r"[0-9a-f]{8}-[0-9a-f-]*")
TABLES = {
    "apps list": ("apps", "list"),
    "apps list -A": ("apps", "list", "-A"),
    "members list": ("members", "list"),
    "workspaces list": ("workspaces", "list"),
    "sessions list": ("sessions", "list"),
}


def _ids_and_tokens(invoke: Invoke, args) -> tuple[list[str], list[str]]:
    """The ids and e-mails the table shows, from its --json twin."""
    data = json.loads(invoke(*args, "--json").stdout)
    rows = data if isinstance(data, list) else next(v for v in data.values() if isinstance(v, list))
    ids = [row["id"] for row in rows]
    return ids, [row["email"] for row in rows if row.get("email")]


@pytest.fixture
def at_80(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")


@pytest.fixture
def terminal(at_80, monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout and stderr read as an 80-column terminal (Rich's TTY_COMPATIBLE)."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.parametrize("table", sorted(TABLES))
def test_piped_a_table_has_no_trailing_padding_and_keeps_values_whole(
    invoke: Invoke, signed_in, at_80, table
):
    result = invoke(*TABLES[table])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if line != line.rstrip()] == []
    ids, tokens = _ids_and_tokens(invoke, TABLES[table])
    for value in ids + tokens:
        assert any(value in line for line in lines), value
    if table != "workspaces list":  # the one that fits in 80 columns anyway
        assert any(len(line) > 80 for line in lines)  # not folded at the terminal's width


@pytest.mark.parametrize("table", sorted(TABLES))
def test_on_an_80_column_terminal_no_value_is_split(invoke: Invoke, signed_in, terminal, table):
    result = invoke(*TABLES[table])
    assert result.exit_code == 0, result.stderr
    lines = [ANSI.sub("", line) for line in result.stdout.splitlines()]
    assert max(len(line.rstrip()) for line in lines) <= 80, "\n".join(lines)
    ids, tokens = _ids_and_tokens(invoke, TABLES[table])
    for value in tokens:
        assert any(value in line for line in lines), value
    stamps = [line for line in lines if TIMESTAMP.search(line)]
    if table.startswith("apps"):
        assert len(stamps) == len(ids)  # one whole timestamp on each app's line
    if table == "sessions list":  # three timestamps a row: a block of lines per session
        assert len(stamps) == 3 * len(ids) and any(line.startswith("EXPIRES  ") for line in lines)
    # An id is shown whole or not at all: never a fragment of one.
    shown = [m.group() for line in lines for m in UUID_START.finditer(line)]
    assert all(fragment in ids for fragment in shown), shown
    if not shown:
        assert "ID left out to fit 80 columns" in " ".join(result.stderr.split())


def test_members_at_80_columns_keep_every_email_and_role_on_one_line(
    invoke: Invoke, signed_in, terminal
):
    result = invoke("members", "list")
    lines = [ANSI.sub("", line) for line in result.stdout.splitlines()]
    row = next(line for line in lines if "edsger@acme.example" in line)
    assert "dataset_operator" in row and "active" in row


def test_piped_promote_plan_keeps_long_summaries_on_one_line_unpadded(
    invoke: Invoke, signed_in, at_80
):
    result = invoke("promote", "plan", "--from", "Acme Dev", "--to", "Acme Prod")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if line != line.rstrip()] == []
    row = next(line for line in lines if "Policy Helpdesk" in line and "update" in line)
    assert row.endswith("app description changed, features changed")  # the whole summary
    assert len(row) > 80
