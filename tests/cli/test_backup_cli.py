"""`difyops backup status|log`: read the repository straight from the backup history,
without loading Prefect (only `backup run` pays for it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HELPDESK_DEV = "a0000000-0000-4000-8000-000000000103"


def test_status_and_log_after_a_run(invoke, signed_in, tmp_path: Path) -> None:
    repo = tmp_path / "backup"
    assert invoke("backup", "run", "--repo", str(repo), "-w", "Acme Dev").exit_code == 0
    status = json.loads(invoke("backup", "status", "--repo", str(repo), "--json").stdout)
    assert status["head"] and status["last_commit_subject"].startswith("Backup: ")
    assert status["last_run"]["commit"] == status["head"]
    assert [w["workspace"] for w in status["workspaces"]] == ["Acme Dev"]
    log = invoke("backup", "log", HELPDESK_DEV, "--repo", str(repo), "--json")
    assert log.exit_code == 0, log.output
    body = json.loads(log.stdout)
    assert body["app"]["app_id"] == HELPDESK_DEV
    assert [(e["sha"], e["summary"]) for e in body["history"]] == [(status["head"], "added")]


def test_status_does_not_load_prefect(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from difyops.main import app\n"
        f"result = CliRunner().invoke(app, ['backup', 'status', '--repo', {str(repo)!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'flows'))\n"
        "print(loaded[:3])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert done.stdout.strip() == "[]"
