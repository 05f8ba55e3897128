"""`difyops promote apply` when the rollback did not restore the target (issue 14.3): the
outcome is "rollback failed", the run fails, and the hint says to restore from the backup."""

from __future__ import annotations

from tests.flows.promote_support import DEV_TRIAGE, change_dev
from tests.support.emulator import EmulatorHandle


def test_a_tampered_rollback_fails_loudly(invoke, signed_in, emulator: EmulatorHandle) -> None:
    change_dev(emulator, DEV_TRIAGE, "Tampered twice")
    emulator.admin.fault("tamper_import", times=2)  # the import, then its rollback
    result = invoke(
        "promote",
        "apply",
        "--auto-approve",
        "--from",
        "Acme Dev",
        "--to",
        "Acme Prod",
        "--app",
        "Support*",
    )
    assert result.exit_code == 1
    assert "rollback failed" in result.stdout and "rolled back to" not in result.stdout
    assert "error: promotion finished with problems: 1 rollback failed" in result.stderr
    assert "hint: ROLLBACK FAILED for Support Ticket Triage" in result.stderr
    assert "restore them from the backup" in result.stderr
