"""`difyops --version` (issue 15), and with `--server` the server's version too."""

from __future__ import annotations

from importlib.metadata import version


def test_version_prints_the_installed_version(invoke) -> None:
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"difyops {version('difyops')}"


def test_version_with_server_asks_the_server(invoke, signed_in, emulator) -> None:
    result = invoke("--version", "--server")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"difyops {version('difyops')}"
    assert lines[1].startswith(f"server {emulator.base_url}: Dify ")
    assert signed_in not in result.output


def test_server_without_version_is_a_usage_error(invoke) -> None:
    result = invoke("--server", "auth", "status")
    assert result.exit_code == 2
    assert "--version" in result.output
