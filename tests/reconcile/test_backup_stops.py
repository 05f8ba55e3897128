"""How a backup that stopped early or failed for many apps reads (issue 14): one line
whatever the number of apps, and exports that failed are not counted as exported."""

from __future__ import annotations

from reconcile.backup.plan import BackupReport, backup_markdown, commit_message
from tests.reconcile.test_backup_plan import outcome, result

STOPPED = (
    "Dify at https://dify.example.com stopped answering after 2 export(s) (connection refused)"
)


def stopped_run() -> BackupReport:
    never_tried = [
        outcome(f"n{i}", f"App {i:03}", "failed", error="not exported") for i in range(164)
    ]
    return BackupReport(
        results=[
            result(
                outcome("a1", "Alpha", "added", exported=True),
                outcome("a2", "Beta", "added", exported=True),
                outcome("f1", "Gamma", "failed", error="connection refused", kept_last_good=True),
                *never_tried,
                listed=167,
                exports=2,
                stopped=STOPPED,
                not_exported=[o.app_id for o in never_tried],
            )
        ],
        commit="0123456789abcdef",
    )


def test_a_stopped_run_says_why_in_one_line() -> None:
    assert stopped_run().failure_line() == STOPPED


def test_many_failed_apps_are_counted_and_the_first_few_named() -> None:
    many = BackupReport(
        results=[result(*(outcome(f"f{i}", f"App {i}", "failed") for i in range(164)))]
    )
    assert many.failure_line() == (
        "164 apps could not be backed up (first 5: App 0, App 1, App 2, App 3, App 4)"
    )
    one = BackupReport(results=[result(outcome("f", "Gamma", "failed"))])
    assert one.failure_line() == "1 app could not be backed up: Gamma"


def test_the_commit_message_sums_up_the_apps_never_tried() -> None:
    message = commit_message(stopped_run().results)
    lines = message.splitlines()
    assert lines[0] == "Backup: 2 added, 165 failed"
    assert "  failed   Gamma: export failed, kept the last good file (connection refused)" in lines
    assert (
        f"  {STOPPED}: 164 apps not exported (first 5: App 000, App 001, App 002, App 003, "
        "App 004)" in lines
    )
    assert len(lines) < 10


def test_the_markdown_counts_only_real_exports_and_sums_up_the_rest() -> None:
    markdown = backup_markdown(stopped_run())
    assert "| Acme Dev (dify.example.com/acme-dev) | 167 | 2 | 2 | 0 | 0 | 0 | 165 |" in markdown
    assert "App 100" not in markdown
    assert f"- **stopped** Acme Dev: {STOPPED}; 164 apps not exported (first 5: " in markdown
    assert stopped_run().exported == 2
