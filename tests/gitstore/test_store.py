"""`GitStore` against real git repositories in a temporary directory (no network).

Every test runs with an empty global git config and no system config: the store must not
rely on a user identity configured on the machine. Commits made by the tests themselves
(playing another user of the repository) pass `-c user.name=… -c user.email=…`.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest

from gitstore import Author, GitStore, GitStoreError, PushRejectedError

AUTHOR = Author("Backup Bot", "backup@difyops.test")


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    for name in list(os.environ):
        if name.startswith(("GIT_AUTHOR_", "GIT_COMMITTER_")):
            monkeypatch.delenv(name)


def git(repo: Path, *args: str) -> str:
    """The git CLI as another person would use it (with their own identity)."""
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=Other", "-c", "user.email=other@x.test", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def status(repo: Path) -> list[str]:
    return git(repo, "status", "--porcelain", "--untracked-files=all").splitlines()


def committed_files(repo: Path, ref: str = "HEAD") -> list[str]:
    return git(repo, "show", "--name-only", "--format=", ref).split()


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with GitStore.open(tmp_path / "repo") as opened:
        yield opened


def commit_files(store: GitStore, message: str, files: dict[str, str]) -> str:
    for path, text in files.items():
        store.write_text(path, text)
    sha = store.commit_all(message, author=AUTHOR)
    assert sha is not None
    return sha


# -- open -----------------------------------------------------------------------------------


def test_open_creates_a_repository_on_the_chosen_branch(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "backups"
    with GitStore.open(target, branch="nightly") as store:
        assert store.root == target
        assert not store.has_commits() and store.head_sha() is None
        assert store.git_dir == target / ".git"
    assert git(target, "symbolic-ref", "HEAD").strip() == "refs/heads/nightly"


def test_open_creates_a_repository_in_an_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    GitStore.open(tmp_path / "empty").close()
    assert (tmp_path / "empty" / ".git").is_dir()


def test_open_refuses_a_non_empty_directory_that_is_not_a_repository(tmp_path: Path) -> None:
    target = tmp_path / "documents"
    target.mkdir()
    (target / "thesis.txt").write_text("mine\n")
    with pytest.raises(GitStoreError) as raised:
        GitStore.open(target)
    assert str(raised.value) == f"{target} exists, is not empty, and is not a git repository"
    assert raised.value.hint == "Use an empty or new directory for the backup repository."
    assert sorted(p.name for p in target.iterdir()) == ["thesis.txt"]


def test_open_without_create_refuses_a_missing_repository(tmp_path: Path) -> None:
    with pytest.raises(GitStoreError, match="is not a git repository") as raised:
        GitStore.open(tmp_path / "absent", create=False)
    assert raised.value.hint and "--repo" in raised.value.hint
    assert not (tmp_path / "absent").exists()


def test_open_refuses_a_bare_repository(tmp_path: Path) -> None:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--bare", "-q", "-b", "main", str(bare)], check=True)
    with pytest.raises(GitStoreError) as raised:
        GitStore.open(bare)
    assert str(raised.value) == f"{bare} is a bare repository; clone it and point at the clone"


def test_open_switches_an_existing_repository_to_the_branch(tmp_path: Path) -> None:
    with GitStore.open(tmp_path / "repo") as store:
        first = commit_files(store, "first", {"a": "a\n"})
    with GitStore.open(tmp_path / "repo", branch="backups") as store:
        assert store.head_sha() == first
    assert git(tmp_path / "repo", "rev-parse", "--abbrev-ref", "HEAD").strip() == "backups"


# -- files ----------------------------------------------------------------------------------


def test_write_text_writes_and_reports_no_change_without_touching_the_file(
    store: GitStore,
) -> None:
    assert store.write_text("h/ws/app.yml", "version: 0.3.0\n") is True
    target = store.root / "h/ws/app.yml"
    assert target.read_bytes() == b"version: 0.3.0\n"
    before = target.stat()
    assert store.write_text("h/ws/app.yml", "version: 0.3.0\n") is False
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert store.write_text("h/ws/app.yml", "version: 0.4.0\n") is True
    assert store.read_text("h/ws/app.yml") == "version: 0.4.0\n"
    assert store.read_text("h/ws/absent.yml") is None


def test_write_text_leaves_no_temporary_file_anywhere(store: GitStore) -> None:
    for number in range(3):
        store.write_text(f"h/ws/app-{number}.yml", f"n: {number}\n")
        store.write_text(f"h/ws/app-{number}.yml", f"n: {number + 1}\n")
    assert store.files() == ["h/ws/app-0.yml", "h/ws/app-1.yml", "h/ws/app-2.yml"]
    assert status(store.root) == ["?? h/ws/app-0.yml", "?? h/ws/app-1.yml", "?? h/ws/app-2.yml"]
    assert list((store.git_dir / "difyops-tmp").iterdir()) == []


def test_a_failed_write_keeps_the_old_file_and_drops_the_temporary_one(
    store: GitStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write_text("h/app.yml", "old\n")

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.write_text("h/app.yml", "new\n")
    monkeypatch.undo()
    assert store.read_text("h/app.yml") == "old\n"
    assert store.files() == ["h/app.yml"]
    assert list((store.git_dir / "difyops-tmp").iterdir()) == []


@pytest.mark.parametrize("bad", ["../outside.yml", "/etc/passwd", "h/../../x", ""])
def test_paths_outside_the_repository_are_refused(store: GitStore, bad: str) -> None:
    with pytest.raises(GitStoreError, match="refusing a path outside the repository"):
        store.write_text(bad, "x\n")
    assert not (store.root.parent / "outside.yml").exists()


def test_remove_drops_the_directories_it_empties(store: GitStore) -> None:
    store.write_text("h/ws/a.yml", "a\n")
    store.write_text("h/other/b.yml", "b\n")
    assert store.remove("h/ws/a.yml") is True
    assert not (store.root / "h/ws").exists()
    assert (store.root / "h/other/b.yml").exists()
    assert store.remove("h/ws/a.yml") is False
    assert store.remove("h/other/b.yml") is True
    assert not (store.root / "h").exists()
    assert store.root.is_dir() and store.files() == []


def test_glob_and_files(store: GitStore) -> None:
    for path in [
        "h/dev/_index.yml",
        "h/dev/app.yml",
        "h/prod/_index.yml",
        "h/prod/deeper/_index.yml",
        "other/_index.yml",
    ]:
        store.write_text(path, "x\n")
    (store.root / "h/empty-dir").mkdir()
    assert store.glob("h", "*/_index.yml") == ["h/dev/_index.yml", "h/prod/_index.yml"]
    assert store.glob("absent", "*/_index.yml") == []
    assert store.files("h/prod") == ["h/prod/_index.yml", "h/prod/deeper/_index.yml"]
    assert store.files("absent") == []
    assert store.files() == [
        "h/dev/_index.yml",
        "h/dev/app.yml",
        "h/prod/_index.yml",
        "h/prod/deeper/_index.yml",
        "other/_index.yml",
    ]


# -- committing -----------------------------------------------------------------------------


def test_commit_all_commits_only_the_given_paths_as_the_given_author(store: GitStore) -> None:
    repo = store.root
    commit_files(store, "base", {"notes/todo": "1\n", "h/a.yml": "a\n"})
    store.write_text("h/a.yml", "a2\n")
    store.write_text("h/b.yml", "b\n")
    store.write_text("notes/todo", "2\n")  # the user's edit, not staged
    store.write_text("notes/staged.txt", "mine\n")
    git(repo, "add", "notes/staged.txt")  # the user's staged file
    sha = store.commit_all("Backup: 1 added, 1 changed\n\nbody\n", author=AUTHOR, paths=["h"])
    assert sha == git(repo, "rev-parse", "HEAD").strip()
    assert committed_files(repo) == ["h/a.yml", "h/b.yml"]
    assert git(repo, "log", "-1", "--format=%B") == "Backup: 1 added, 1 changed\n\nbody\n\n"
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>").strip() == (
        "Backup Bot <backup@difyops.test>|Backup Bot <backup@difyops.test>"
    )
    assert status(repo) == ["A  notes/staged.txt", " M notes/todo"]


def test_a_message_naming_thousands_of_apps_is_committed_whole(store: GitStore) -> None:
    # A first backup of 3,000 apps writes a body past Linux's 128 KiB limit on one argument.
    body = "".join(f"  added    App number {i} (workflow)\n" for i in range(6000))
    message = f"Backup: 6000 added\n\n{body}"
    assert len(message.encode()) > 128 * 1024
    store.write_text("h/a.yml", "a\n")
    sha = store.commit_all(message, author=AUTHOR, paths=["h"])
    assert sha is not None
    assert git(store.root, "log", "-1", "--format=%B") == message + "\n"
    assert not (store.root / ".git" / "DIFYOPS_COMMIT_MSG").exists()


def test_the_first_commit_also_leaves_the_users_staged_file_alone(store: GitStore) -> None:
    repo = store.root
    store.write_text("notes.txt", "mine\n")
    git(repo, "add", "notes.txt")
    store.write_text("h/a.yml", "a\n")
    sha = store.commit_all("first", author=AUTHOR, paths=["h"])
    assert sha is not None and store.has_commits()
    assert committed_files(repo) == ["h/a.yml"]
    assert status(repo) == ["A  notes.txt"]


def test_nothing_to_commit_gives_none(store: GitStore) -> None:
    assert store.commit_all("empty", author=AUTHOR) is None
    assert store.commit_all("empty", author=AUTHOR, paths=["h"]) is None
    head = commit_files(store, "base", {"h/a.yml": "a\n"})
    assert store.commit_all("again", author=AUTHOR, paths=["h"]) is None
    assert store.commit_all("again", author=AUTHOR) is None
    store.write_text("elsewhere.txt", "x\n")
    assert store.commit_all("scoped", author=AUTHOR, paths=["h", "absent"]) is None
    assert store.head_sha() == head


def test_deletions_are_committed(store: GitStore) -> None:
    repo = store.root
    commit_files(store, "base", {"h/ws/a.yml": "a\n", "h/ws/b.yml": "b\n", "h/gone/c.yml": "c\n"})
    store.remove("h/ws/a.yml")
    store.write_text("h/ws/b.yml", "b2\n")
    assert store.commit_all("delete one", author=AUTHOR, paths=["h"])
    assert git(repo, "show", "--name-status", "--format=", "HEAD").splitlines() == [
        "D\th/ws/a.yml",
        "M\th/ws/b.yml",
    ]
    # A whole scope gone from the work tree is still committed as deleted.
    store.remove("h/ws/b.yml")
    store.remove("h/gone/c.yml")
    assert not (repo / "h").exists()
    assert store.commit_all("delete all", author=AUTHOR, paths=["h"])
    assert git(repo, "ls-files").split() == []
    assert status(repo) == []


def test_discard_changes_drops_edits_untracked_and_staged_files_under_the_paths(
    store: GitStore,
) -> None:
    repo = store.root
    commit_files(store, "base", {"h/a.yml": "a\n", "h/b.yml": "b\n", "keep/mine": "mine\n"})
    store.write_text("h/a.yml", "half-written\n")
    store.remove("h/b.yml")
    store.write_text("h/ws/new.yml", "new\n")
    store.write_text("h/staged.yml", "staged\n")
    git(repo, "add", "h/staged.yml")
    store.write_text("keep/mine", "edited by the user\n")
    store.write_text("keep/untracked.txt", "user\n")
    dropped = store.discard_changes(["h", "never-existed"])
    assert sorted(dropped) == ["h/a.yml", "h/b.yml", "h/staged.yml", "h/ws/new.yml"]
    assert store.files("h") == ["h/a.yml", "h/b.yml"]
    assert store.read_text("h/a.yml") == "a\n" and store.read_text("h/b.yml") == "b\n"
    assert status(repo) == [" M keep/mine", "?? keep/untracked.txt"]
    assert store.discard_changes(["h"]) == []


def test_discard_changes_works_before_the_first_commit(store: GitStore) -> None:
    repo = store.root
    store.write_text("h/untracked.yml", "u\n")
    store.write_text("h/staged.yml", "s\n")
    git(repo, "add", "h/staged.yml")
    store.write_text("notes.txt", "mine\n")
    assert sorted(store.discard_changes(["h"])) == ["h/staged.yml", "h/untracked.yml"]
    assert store.files() == ["notes.txt"]
    assert status(repo) == ["?? notes.txt"]
    assert not store.has_commits()


# -- history --------------------------------------------------------------------------------


@pytest.fixture
def history(store: GitStore) -> list[str]:
    """Four commits: add a, edit a, rename a → b, add c (oldest first)."""
    body = "".join(f"line {n}\n" for n in range(30))
    shas = [commit_files(store, "add a", {"h/a.yml": body})]
    shas.append(commit_files(store, "edit a", {"h/a.yml": body + "line 30\n"}))
    store.remove("h/a.yml")
    shas.append(commit_files(store, "rename a to b", {"h/b.yml": body + "line 30\n"}))
    shas.append(commit_files(store, "add c", {"other/c": "c\n"}))
    return shas


def test_read_at_and_files_at(store: GitStore, history: list[str]) -> None:
    first, _, renamed, _ = history
    assert store.read_at(first, "h/a.yml") == "".join(f"line {n}\n" for n in range(30))
    assert store.read_at(first, "h/b.yml") is None
    assert store.read_at("HEAD", "h/a.yml") is None
    assert store.read_at("main", "other/c") == "c\n"
    assert store.files_at(renamed) == ["h/b.yml"]
    assert store.files_at("HEAD") == ["h/b.yml", "other/c"]
    assert store.files_at("HEAD", "other/") == ["other/c"]
    with pytest.raises(GitStoreError, match="unknown git ref 'nope'") as raised:
        store.read_at("nope", "h/a.yml")
    assert raised.value.hint
    with pytest.raises(GitStoreError, match="unknown git ref 'nope'"):
        store.files_at("nope")


def test_log_follows_renames(store: GitStore, history: list[str]) -> None:
    first, edited, renamed, last = history
    assert [c.sha for c in store.log("h/b.yml")] == [renamed, edited, first]
    assert [c.subject for c in store.log()] == ["add c", "rename a to b", "edit a", "add a"]
    assert [c.sha for c in store.log(max_count=2)] == [last, renamed]
    newest = store.log(max_count=1)[0]
    assert newest.author == "Backup Bot <backup@difyops.test>"
    assert newest.message == "add c\n"
    assert newest.date == git(store.root, "log", "-1", "--format=%cI").strip()


def test_log_from_a_ref_sees_only_that_ref_s_past(store: GitStore, history: list[str]) -> None:
    first, edited, _, _ = history
    assert [c.sha for c in store.log("h/a.yml", ref=edited)] == [edited, first]
    assert [c.sha for c in store.log("h/a.yml", ref=first, max_count=1)] == [first]
    with pytest.raises(GitStoreError, match="unknown git ref 'nope'"):
        store.log("h/a.yml", ref="nope")


def test_log_of_an_empty_repository_is_empty(store: GitStore) -> None:
    assert store.log() == []
    assert store.log("h/a.yml") == []


def test_renames_parent_and_resolve(store: GitStore, history: list[str]) -> None:
    first, edited, renamed, last = history
    assert store.renames_in(renamed) == {"h/a.yml": "h/b.yml"}
    assert store.renames_in(edited) == {}
    assert store.parent(first) is None
    assert store.parent(renamed) == edited
    assert store.resolve("HEAD") == last == store.head_sha()
    assert store.resolve("main") == last
    assert store.resolve("HEAD~3") == first
    assert store.resolve(edited[:10]) == edited


@pytest.mark.parametrize(
    "ref",
    [
        "nope",
        "HEAD~9",
        "a" * 40,
        "deadbeef",
        "0" * 40,
    ],
)
def test_resolve_refuses_an_unknown_ref_with_a_hint(
    store: GitStore, history: list[str], ref: str
) -> None:
    with pytest.raises(GitStoreError) as raised:
        store.resolve(ref)
    assert str(raised.value) == f"unknown git ref {ref!r} in {store.root}"
    assert raised.value.hint == "Use a commit sha, a branch or a tag of the backup repository."


def test_reading_at_the_null_sha_is_an_unknown_ref(store: GitStore, history: list[str]) -> None:
    null = "0" * 40
    for read in (lambda: store.read_at(null, "h/b.yml"), lambda: store.files_at(null)):
        with pytest.raises(GitStoreError, match="unknown git ref"):
            read()
    with pytest.raises(GitStoreError, match="unknown git ref"):
        store.parent(null)


def test_files_at_a_prefix_are_the_files_under_that_directory(store: GitStore) -> None:
    sha = commit_files(store, "two hosts", {"h/a.yml": "a\n", "h2/b.yml": "b\n"})
    assert store.files_at(sha, "h") == ["h/a.yml"]
    assert store.files_at(sha, "h/") == ["h/a.yml"]
    assert store.files_at(sha) == ["h/a.yml", "h2/b.yml"]


def test_a_push_that_fails_names_gits_reason(tmp_path: Path, clone: GitStore) -> None:
    subprocess.run(
        ["git", "-C", str(clone.root), "remote", "set-url", "origin", f"file://{tmp_path}/gone"],
        check=True,
    )
    with pytest.raises(GitStoreError) as raised:
        clone.push()
    assert str(raised.value).startswith("push to origin failed: fatal: ")
    assert not str(raised.value).endswith("'")


def test_resolve_in_an_empty_repository(store: GitStore) -> None:
    with pytest.raises(GitStoreError, match="unknown git ref 'HEAD'"):
        store.resolve("HEAD")


# -- remotes --------------------------------------------------------------------------------


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--bare", "-q", "-b", "main", str(bare)], check=True)
    return bare


def remote_log(remote: Path) -> list[str]:
    return git(remote, "log", "--format=%s", "main").splitlines()


def other_user_commits(tmp_path: Path, remote: Path, path: str, text: str, message: str) -> str:
    """Someone else clones the remote, commits `path` and pushes; returns their sha."""
    other = tmp_path / "other"
    if not other.exists():
        subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True)
    else:
        git(other, "pull", "-q", "--rebase", "origin", "main")
    (other / path).parent.mkdir(parents=True, exist_ok=True)
    (other / path).write_text(text)
    git(other, "add", path)
    git(other, "commit", "-qm", message)
    git(other, "push", "-q", "origin", "main")
    return git(other, "rev-parse", "HEAD").strip()


@pytest.fixture
def clone(tmp_path: Path, remote: Path):  # type: ignore[no-untyped-def]
    """A clone of the bare remote holding one pushed commit ("base": h/a.yml)."""
    with GitStore.clone(f"file://{remote}", tmp_path / "clone") as store:
        commit_files(store, "base", {"h/a.yml": "a\n"})
        store.push()
        yield store


def test_clone_of_an_empty_file_url_then_push(tmp_path: Path, remote: Path) -> None:
    with GitStore.clone(f"file://{remote}", tmp_path / "work") as store:
        assert store.has_remote() and not store.has_commits()
        sha = commit_files(store, "first", {"h/a.yml": "a\n"})
        store.push()
    assert git(remote, "rev-parse", "main").strip() == sha
    upstream = git(tmp_path / "work", "rev-parse", "--abbrev-ref", "main@{upstream}").strip()
    assert upstream == "origin/main"


def test_clone_of_a_file_url_with_history_and_reopening_it(
    tmp_path: Path, remote: Path, clone: GitStore
) -> None:
    with GitStore.clone(f"file://{remote}", tmp_path / "second") as second:
        assert second.files() == ["h/a.yml"]
        assert second.head_sha() == clone.head_sha()
        (tmp_path / "second" / "scratch.txt").write_text("still here\n")
    # Cloning into an existing clone opens it instead.
    with GitStore.clone(f"file://{remote}", tmp_path / "second") as again:
        assert again.files() == ["h/a.yml", "scratch.txt"]


def test_a_clone_that_fails_says_why_without_credentials(tmp_path: Path) -> None:
    with pytest.raises(GitStoreError) as raised:
        GitStore.clone(f"file://user:s3cret@localhost{tmp_path}/x.git", tmp_path / "c")
    assert str(raised.value).startswith(f"cannot clone file://***@localhost{tmp_path}/x.git: ")
    assert "s3cret" not in str(raised.value) and "s3cret" not in str(raised.value.hint)
    assert raised.value.hint == (
        "Check the URL and that this machine's git credentials can read it."
    )


def test_a_clone_that_fails_names_gits_reason(tmp_path: Path) -> None:
    missing = tmp_path / "missing.git"
    with pytest.raises(GitStoreError) as raised:
        GitStore.clone(f"file://{missing}", tmp_path / "c")
    assert "does not appear to be a git repository" in str(raised.value)


def test_pull_fast_forwards(tmp_path: Path, remote: Path, clone: GitStore) -> None:
    theirs = other_user_commits(tmp_path, remote, "README.md", "hello\n", "readme")
    clone.pull()
    assert clone.head_sha() == theirs
    assert clone.files() == ["README.md", "h/a.yml"]
    assert status(clone.root) == []


def test_pull_without_a_remote_does_nothing(store: GitStore) -> None:
    head = commit_files(store, "base", {"h/a.yml": "a\n"})
    store.pull()
    assert store.head_sha() == head


def test_pull_refuses_a_dirty_work_tree_and_keeps_the_edit(
    tmp_path: Path, remote: Path, clone: GitStore
) -> None:
    other_user_commits(tmp_path, remote, "README.md", "hello\n", "readme")
    head = clone.head_sha()
    clone.write_text("h/a.yml", "edited by hand\n")
    with pytest.raises(GitStoreError) as raised:
        clone.pull()
    assert type(raised.value) is GitStoreError
    assert str(raised.value) == (
        f"cannot bring {clone.root} up to date with origin: it has uncommitted changes (h/a.yml)"
    )
    assert raised.value.hint and raised.value.hint.startswith("Commit or discard them")
    assert clone.head_sha() == head
    assert clone.read_text("h/a.yml") == "edited by hand\n"


def test_pull_is_not_stopped_by_an_untracked_file_of_the_user(
    tmp_path: Path, remote: Path, clone: GitStore
) -> None:
    theirs = other_user_commits(tmp_path, remote, "README.md", "hello\n", "readme")
    clone.write_text("notes.txt", "mine\n")
    clone.pull()
    assert clone.head_sha() == theirs
    assert clone.read_text("notes.txt") == "mine\n"


def test_push_without_a_remote_says_how_to_add_one(store: GitStore) -> None:
    commit_files(store, "base", {"h/a.yml": "a\n"})
    with pytest.raises(GitStoreError, match="has no 'origin' remote") as raised:
        store.push()
    assert raised.value.hint and "git remote add origin" in raised.value.hint


def test_push_to_an_unreachable_remote_is_not_a_rejection(store: GitStore, tmp_path: Path) -> None:
    commit_files(store, "base", {"h/a.yml": "a\n"})
    git(store.root, "remote", "add", "origin", str(tmp_path / "nowhere.git"))
    with pytest.raises(GitStoreError, match=r"^push to origin failed: ") as raised:
        store.push()
    assert not isinstance(raised.value, PushRejectedError)


def give_local_identity(store: GitStore) -> None:
    """A repository-level identity, as a user of this repository might have set."""
    git(store.root, "config", "user.name", "Local Identity")
    git(store.root, "config", "user.email", "local@x.test")


def test_push_rebases_onto_a_remote_that_moved_on(
    tmp_path: Path, remote: Path, clone: GitStore
) -> None:
    give_local_identity(clone)
    theirs = other_user_commits(tmp_path, remote, "README.md", "hello\n", "readme")
    commit_files(clone, "Backup: 1 changed", {"h/a.yml": "a2\n"})
    clone.push()
    assert remote_log(remote) == ["Backup: 1 changed", "readme", "base"]
    assert clone.parent(clone.head_sha() or "") == theirs
    assert git(remote, "rev-parse", "main").strip() == clone.head_sha()
    assert git(remote, "log", "-1", "--format=%an", "main").strip() == "Backup Bot"
    assert clone.files() == ["README.md", "h/a.yml"] and status(clone.root) == []


def test_pull_rebases_an_unpushed_commit_onto_a_remote_that_moved_on(
    tmp_path: Path, remote: Path, clone: GitStore
) -> None:
    give_local_identity(clone)
    theirs = other_user_commits(tmp_path, remote, "README.md", "hello\n", "readme")
    commit_files(clone, "Backup: 1 changed", {"h/a.yml": "a2\n"})
    clone.pull()
    assert git(clone.root, "log", "--format=%s").splitlines() == [
        "Backup: 1 changed",
        "readme",
        "base",
    ]
    assert clone.parent(clone.head_sha() or "") == theirs
    assert remote_log(remote) == ["readme", "base"]  # pull never pushes


def test_push_rebases_onto_a_remote_that_moved_on_without_a_git_identity(
    tmp_path: Path, remote: Path, clone: GitStore
) -> None:
    other_user_commits(tmp_path, remote, "README.md", "hello\n", "readme")
    commit_files(clone, "Backup: 1 changed", {"h/a.yml": "a2\n"})
    clone.push()
    assert remote_log(remote) == ["Backup: 1 changed", "readme", "base"]
    assert git(remote, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "main").strip() == (
        "Backup Bot <backup@difyops.test>|Backup Bot <backup@difyops.test>"
    )


def test_a_conflicting_remote_is_refused_and_nothing_is_forced(
    tmp_path: Path, remote: Path, clone: GitStore
) -> None:
    give_local_identity(clone)  # so the only reason to fail is the conflict
    theirs = other_user_commits(tmp_path, remote, "h/a.yml", "theirs\n", "hand edit")
    ours = commit_files(clone, "Backup: 1 changed", {"h/a.yml": "ours\n"})
    with pytest.raises(PushRejectedError) as raised:
        clone.push()
    assert "nothing was forced" in str(raised.value)
    assert "CONFLICT" in str(raised.value.__cause__)
    assert raised.value.hint and "git pull --rebase" in raised.value.hint
    assert git(remote, "rev-parse", "main").strip() == theirs
    assert clone.head_sha() == ours
    assert git(clone.root, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert not (clone.git_dir / "rebase-merge").exists()
    assert not (clone.git_dir / "rebase-apply").exists()
    assert clone.read_text("h/a.yml") == "ours\n" and status(clone.root) == []


# -- lock -----------------------------------------------------------------------------------


def test_a_second_lock_on_the_same_repository_is_refused(store: GitStore) -> None:
    store.lock()
    with GitStore.open(store.root) as second:
        with pytest.raises(GitStoreError, match="another difyops job is writing") as raised:
            second.lock()
        assert raised.value.hint and "Wait for it to finish" in raised.value.hint
    store.close()  # releases the lock
    with GitStore.open(store.root) as third:
        third.lock()


def test_written_files_get_the_mode_of_any_new_file(store: GitStore) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    store.write_text("h/a.yml", "a\n")
    assert store.path("h/a.yml").stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_lock_waited_for_is_taken_when_the_holder_lets_go(store: GitStore) -> None:
    store.lock()
    asking = threading.Event()
    taken: list[bool] = []

    def second_job() -> None:
        with GitStore.open(store.root) as second:
            second.lock(wait=600, poll=0.01, on_wait=asking.set)
            taken.append(True)

    waiter = threading.Thread(target=second_job)
    waiter.start()
    asking.wait()
    assert not taken  # it waits: the first job still holds the lock
    store.unlock()
    waiter.join()
    assert taken == [True]


def test_a_lock_not_released_in_time_says_how_long_it_waited(store: GitStore) -> None:
    store.lock()
    with (
        GitStore.open(store.root) as second,
        pytest.raises(GitStoreError, match=r"is writing .*; waited 0 s"),
    ):
        second.lock(wait=0.01, poll=0.01)


def test_a_run_killed_during_git_init_leaves_a_directory_the_next_open_accepts(
    tmp_path: Path,
) -> None:
    """kill -9 suite: a backup killed 160 ms in left a half-made .git, and every later
    run refused the directory as 'not empty, and not a git repository'."""
    target = tmp_path / "backup"
    dead = subprocess.Popen(["true"])  # a pid that is surely not running any more
    dead.wait()
    unfinished = target / f".difyops-init-{dead.pid}-1" / ".git"
    (unfinished / "objects").mkdir(parents=True)  # `git init` killed before HEAD
    with GitStore.open(target):
        pass
    assert sorted(p.name for p in target.iterdir()) == [".git"]
    assert git(target, "symbolic-ref", "HEAD").strip() == "refs/heads/main"


def test_open_creates_the_repository_without_leaving_its_scratch_directory(
    tmp_path: Path,
) -> None:
    GitStore.open(tmp_path / "new").close()
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == [".git"]
