"""Restart persistence with a file database, and `python -m emulator serve`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from tests.emulator._helpers import ADA, DEV, TRIAGE
from tests.support.emulator import ADMIN_TOKEN

REPO = Path(__file__).resolve().parents[2]


def test_state_survives_a_restart_on_a_file_database(emulator_factory, tmp_path):
    db = str(tmp_path / "emulator.sqlite3")
    first = emulator_factory(seed="demo", db=db)
    token = first.admin.token(ADA)
    api = first.client(token)
    source = yaml.safe_load(api.get(f"/apps/{TRIAGE}/export").json()["data"])
    source["app"]["name"] = "Survivor"
    imported = api.post(
        f"/workspaces/{DEV}/apps/imports",
        json={"mode": "yaml-content", "yaml_content": yaml.dump(source, allow_unicode=True)},
    ).json()
    first.admin.settings(dsl_version="0.6.5")
    first.server.stop()

    second = emulator_factory(seed="demo", db=db)  # must not re-seed over existing state
    assert second.server.emulator.seed_skipped is True
    again = second.client(token)  # the token survives too
    listed = again.get("/apps", params={"workspace_id": DEV, "name": imported["app_id"]}).json()
    assert listed["data"][0]["name"] == "Survivor"
    assert second.admin.settings()["dsl_version"] == "0.6.5"


def _serve(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIFY_", "DIFYOPS_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "emulator", "serve", "--port", "0", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM, wait, and return what is left on stdout (communicate() would skip the
    lines already buffered by an earlier readline())."""
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert process.stdout is not None and process.stderr is not None
    rest = process.stdout.read()
    process.stdout.close()
    process.stderr.close()
    return rest


def test_a_database_file_from_before_form_ids_gets_the_column(tmp_path):
    import sqlite3

    from emulator.store import Store

    path = str(tmp_path / "old.sqlite3")
    with sqlite3.connect(path) as old:  # the table as it first shipped, without form_id
        old.execute(
            "CREATE TABLE human_input_forms (token TEXT PRIMARY KEY, app_id TEXT NOT NULL,"
            " workflow_run_id TEXT NOT NULL, payload TEXT NOT NULL, recipient TEXT,"
            " expires_at REAL NOT NULL, submitted_at REAL, submission TEXT)"
        )
        old.execute(
            "INSERT INTO human_input_forms VALUES ('tok', 'app', '', '{}', NULL, 1, 2, NULL)"
        )
    old.close()
    store = Store(path)
    try:
        form = store.runs.form("tok")
        assert form is not None and form.form_id == ""
    finally:
        store.close()


def test_cli_prints_the_base_url_first_and_stops_on_sigterm(tmp_path):
    db = tmp_path / "cli.sqlite3"
    process = _serve(
        "--db", str(db), "--seed", "demo", "--admin-token", ADMIN_TOKEN, "--dsl-version", "0.6.1"
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.count(":") == 2
        health = httpx.get(base_url + "/openapi/v1/_health", timeout=5)
        assert health.json() == {"ok": True}
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        settings = httpx.get(base_url + "/_emulator/settings", headers=headers, timeout=5).json()
        assert settings["dsl_version"] == "0.6.1"
        emails = [
            a["email"] for a in httpx.get(base_url + "/_emulator/accounts", headers=headers).json()
        ]
        assert ADA in emails
    finally:
        rest = _stop(process)
    assert "emulator at" in rest

    again = _serve("--db", str(db), "--seed", "demo")
    try:
        assert again.stdout is not None
        again.stdout.readline()
        notice = again.stdout.readline() + again.stdout.readline()
    finally:
        _stop(again)
    assert "already has state" in notice and "skipped" in notice
