"""CLI tests: Typer's runner on `difyops.main.app`, against the emulator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import CliRunner, Result

from difyops.main import app
from tests.support.emulator import EmulatorHandle

Invoke = Callable[..., Result]


@pytest.fixture
def invoke() -> Invoke:
    """`invoke("apps", "list", "--json")` → the runner's Result (stdout and stderr apart)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def signed_in(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> str:
    """Credentials through DIFY_SERVER/DIFY_TOKEN, as in CI; returns the token."""
    token = emulator.admin.token("ada@acme.example")
    monkeypatch.setenv("DIFY_SERVER", emulator.base_url)
    monkeypatch.setenv("DIFY_TOKEN", token)
    return token
