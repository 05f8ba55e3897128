"""Taking the repository lock clears what a killed job left in .git (issue 14: 2, 12)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gitstore import STALE_INDEX_LOCK_NOTE, Author, GitStore, IndexLockedError

AUTHOR = Author("Backup Bot", "backup@difyops.test")


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "backup"
    with GitStore.open(path) as store:
        store.write_text("a.yml", "one\n")
        store.commit_all("first", author=AUTHOR)
    return path


def test_a_stale_index_lock_is_removed_said_and_the_commit_goes_through(repo: Path) -> None:
    # What `git add` killed with -9 leaves behind.
    (repo / ".git" / "index.lock").write_text("")
    with GitStore.open(repo) as store:
        store.lock()
        assert store.recovered == [STALE_INDEX_LOCK_NOTE]
        store.write_text("a.yml", "two\n")
        assert store.commit_all("second", author=AUTHOR)
    assert not (repo / ".git" / "index.lock").exists()


def test_no_index_lock_means_nothing_to_say(repo: Path) -> None:
    with GitStore.open(repo) as store:
        store.lock()
        assert store.recovered == []


def test_an_index_lock_of_a_running_git_is_left_alone_with_a_clear_refusal(repo: Path) -> None:
    lock_file = repo / ".git" / "index.lock"
    lock_file.write_text("")
    # A person's git working in the repository (it waits on its input until we close it).
    person = subprocess.Popen(
        ["git", "hash-object", "--stdin"],
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    try:
        with GitStore.open(repo) as store:
            with pytest.raises(IndexLockedError) as refused:
                store.lock()
            # The difyops lock is not kept: the next job is not blocked by this one.
            with GitStore.open(repo) as other, pytest.raises(IndexLockedError):
                other.lock()
    finally:
        assert person.stdin is not None
        person.stdin.close()
        person.wait()
    message = str(refused.value)
    assert "index.lock exists" in message and f"pid {person.pid}" in message
    assert "bug" not in message.lower() and "\n" not in message
    assert refused.value.hint and f"remove {lock_file}" in refused.value.hint
    assert lock_file.exists()


def test_a_git_elsewhere_does_not_stop_the_recovery(repo: Path, tmp_path: Path) -> None:
    (repo / ".git" / "index.lock").write_text("")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = subprocess.Popen(
        ["git", "hash-object", "--stdin"], cwd=elsewhere, stdin=subprocess.PIPE
    )
    try:
        with GitStore.open(repo) as store:
            store.lock()
            assert store.recovered == [STALE_INDEX_LOCK_NOTE]
    finally:
        assert other.stdin is not None
        other.stdin.close()
        other.wait()


def test_an_index_lock_newer_than_our_lock_is_not_ours(repo: Path) -> None:
    lock_file = repo / ".git" / "index.lock"
    lock_file.write_text("")
    future = lock_file.stat().st_mtime + 3600
    os.utime(lock_file, (future, future))
    with GitStore.open(repo) as store, pytest.raises(IndexLockedError):
        store.lock()
    assert lock_file.exists()


def test_orphan_temporary_files_are_removed_when_the_lock_is_taken(repo: Path) -> None:
    tmp_dir = repo / ".git" / "difyops-tmp"
    tmp_dir.mkdir(exist_ok=True)
    for name in ("tmpa1b2.tmp", "tmpc3d4.tmp"):
        (tmp_dir / name).write_text("half a backup file")
    with GitStore.open(repo) as store:
        store.lock()
        assert list(tmp_dir.iterdir()) == []
        # Atomic writes still work afterwards, and leave nothing behind.
        assert store.write_text("b.yml", "new\n")
        assert list(tmp_dir.iterdir()) == []
    assert (repo / "b.yml").read_text() == "new\n"


def test_temporary_files_are_left_alone_without_the_lock(repo: Path) -> None:
    tmp_dir = repo / ".git" / "difyops-tmp"
    tmp_dir.mkdir(exist_ok=True)
    (tmp_dir / "tmpa1b2.tmp").write_text("being written by the job holding the lock")
    with GitStore.open(repo) as store:
        store.write_text("b.yml", "new\n")
    assert (tmp_dir / "tmpa1b2.tmp").exists()
