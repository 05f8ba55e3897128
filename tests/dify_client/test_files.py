"""write_atomic: no partial file on failure, 0600 when private, the usual mode otherwise."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from dify_client import write_atomic


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_writes_text_and_bytes_creating_the_directory(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file.txt"
    write_atomic(target, "héllo\n")
    assert target.read_text(encoding="utf-8") == "héllo\n"
    write_atomic(target, b"\x00bytes")
    assert target.read_bytes() == b"\x00bytes"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "plan.json"
    target.write_text("old", encoding="utf-8")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new" * 1000)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


def test_a_new_private_file_is_0600(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "secret.yml"
    write_atomic(target, "token", private=True)
    assert mode(target) == 0o600


def test_an_existing_file_is_tightened_when_private(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "secret.yml"
    target.write_text("public", encoding="utf-8")
    target.chmod(0o644)
    write_atomic(target, "token", private=True)
    assert mode(target) == 0o600
    assert target.read_text(encoding="utf-8") == "token"


def test_a_new_ordinary_file_gets_the_usual_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "app.yml", "app")
    finally:
        os.umask(old)
    assert mode(tmp_path / "app.yml") == 0o640


def test_an_existing_ordinary_file_keeps_its_mode(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "app.yml"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    write_atomic(target, "new")
    assert mode(target) == 0o600
    target.chmod(0o664)
    write_atomic(target, "newer")
    assert mode(target) == 0o664
