"""Helpers for backup tests: a signed-in environment, app edits as a console user would
make them, and reading the repository back."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.emulator import EmulatorHandle

TRIAGE = "a0000000-0000-4000-8000-000000000101"
DIGEST = "a0000000-0000-4000-8000-000000000102"
HELPDESK = "a0000000-0000-4000-8000-000000000103"


def sign_in(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> str:
    token = emulator.admin.token("ada@acme.example")
    monkeypatch.setenv("DIFY_SERVER", emulator.base_url)
    monkeypatch.setenv("DIFY_TOKEN", token)
    return token


def current_dsl(emulator: EmulatorHandle, app_id: str) -> dict[str, Any]:
    return dict(yaml.safe_load(emulator.export(app_id)))


def edit_dsl(emulator: EmulatorHandle, app_id: str, change: Any, *, touch: bool = True) -> None:
    """Change an app the way a person in the console would (`change` mutates the DSL)."""
    data = current_dsl(emulator, app_id)
    change(data)
    emulator.admin.edit_app(app_id, yaml=yaml.safe_dump(data, allow_unicode=True), touch=touch)


def first_node(data: dict[str, Any], node_type: str) -> dict[str, Any]:
    return next(n for n in data["workflow"]["graph"]["nodes"] if n["data"]["type"] == node_type)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def commits(repo: Path) -> list[str]:
    out = git(repo, "log", "--format=%H") if (repo / ".git").exists() else ""
    return out.split()


def tracked_files(repo: Path) -> list[str]:
    return git(repo, "ls-files").split()
