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
    commands = [
        ("auth", "status"),
        ("auth", "status", "--json"),
        ("workspaces", "list"),
        ("apps", "list", "--json"),
        ("apps", "export", "Support Ticket Triage"),
        ("members", "list"),
        ("sessions", "list", "--json"),
        ("apps", "describe", "nope"),
        ("backup", "run", "--repo", str(tmp_path / "repo"), "--json"),
        ("apps", "export", "00000000-0000-4000-8000-00000000dead", "--json"),
    ]
    seen = []
    for args in commands:
        result = invoke(*args)
        seen.append(result.stdout + result.stderr)
    emulator.admin.fault("server_error", status=500, route="GET /account/sessions")
    failed = invoke("sessions", "list")
    seen.append(failed.stdout + failed.stderr)
    everything = "\n".join([*seen, caplog.text])
    assert token not in everything
    assert token[5:25] not in everything
