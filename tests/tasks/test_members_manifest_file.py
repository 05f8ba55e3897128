"""The members manifest file: what cannot be read as one is a located `ManifestError` with a
hint (issue 14, hostile input), never a UnicodeDecodeError rendered without the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconcile.errors import ManifestError
from tasks.members.steps import read_manifest


def test_a_manifest_that_is_not_utf8_is_located_at_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "members.yml"
    path.write_bytes(b"version: 1\nworkspaces: []\n# caf\xe9\n")
    with pytest.raises(ManifestError) as caught:
        read_manifest(str(path))
    assert caught.value.message == f"{path}:3:6: the file is not UTF-8 text"
    assert caught.value.hint == "save the file as UTF-8"


def test_a_manifest_above_10_mb_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "members.yml"
    with path.open("wb") as stream:
        stream.truncate(64 * 1024 * 1024)
    with pytest.raises(ManifestError, match=r":1:1: the file is 67,108,864 bytes; difyops reads"):
        read_manifest(str(path))


def test_a_directory_keeps_its_wording(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as caught:
        read_manifest(str(tmp_path))
    assert caught.value.message == f"{tmp_path}: cannot read the members manifest: Is a directory"
    assert caught.value.hint
