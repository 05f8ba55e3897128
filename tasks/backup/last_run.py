"""The backup's record of its last run, kept inside .git: status for people, never committed.

Apart from the tasks (no Prefect here), so `difyops backup status` reads it without loading
the job's engine.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from gitstore import GitStore
from reconcile.backup.plan import WorkspaceResult

LAST_RUN_FILE = "difyops-last-backup.json"


def record_last_run(store: GitStore, results: list[WorkspaceResult], sha: str | None) -> None:
    summary = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": sha,
        "workspaces": [r.model_dump(mode="json") for r in results],
    }
    (store.git_dir / LAST_RUN_FILE).write_text(json.dumps(summary, indent=2), encoding="utf-8")


def read_last_run(store: GitStore) -> dict[str, Any] | None:
    """The last run's record; None before the first run on this machine."""
    recorded = store.git_dir / LAST_RUN_FILE
    return dict(json.loads(recorded.read_text())) if recorded.exists() else None
