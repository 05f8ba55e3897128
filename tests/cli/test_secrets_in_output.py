"""No command prints the bearer token, whatever happens (success, error, verbose logs)."""

from __future__ import annotations

import logging

import pytest

from tests.support.emulator import EmulatorHandle


def test_token_never_appears_in_any_output(
    invoke, emulator: EmulatorHandle, monkeypatch, caplog: pytest.LogCaptureFixture, tmp_path
) -> None:
    caplog.set_level(logging.DEBUG)
    token = emulator.admin.token("ada@acme.example")
    monkeypatch.setenv("DIFY_SERVER", emulator.base_url)
    monkeypatch.setenv("DIFY_TOKEN", token)
    # Each command with the exit code it must end with: a command that failed early for an
    # unrelated reason would print nothing, and prove nothing about the token.
    commands: list[tuple[tuple[str, ...], int]] = [
        (("auth", "status"), 0),
        (("auth", "status", "--json"), 0),
        (("workspaces", "list"), 0),
        (("apps", "list", "--json"), 0),
        (("apps", "export", "Support Ticket Triage"), 0),
        (("members", "list"), 0),
        (("sessions", "list", "--json"), 0),
        (("apps", "describe", "nope"), 2),  # a usage error: no such app
        (("backup", "run", "--repo", str(tmp_path / "repo"), "--json"), 0),
        (("apps", "export", "00000000-0000-4000-8000-00000000dead", "--json"), 1),  # a 404
    ]
    seen = []
    for args, code in commands:
        result = invoke(*args)
        assert result.exit_code == code, (args, result.exit_code)
        seen.append(result.stdout + result.stderr)
    emulator.admin.fault("server_error", status=500, route="GET /account/sessions")
    failed = invoke("sessions", "list")
    assert failed.exit_code == 1
    assert "500" in failed.stderr
    seen.append(failed.stdout + failed.stderr)
    everything = "\n".join([*seen, caplog.text])
    assert token not in everything
    assert token[5:25] not in everything
