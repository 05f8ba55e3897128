"""`difyops backup run -p A -p B` with one source that cannot be read (issue 15): the
healthy ones are backed up, the bad one is named by profile and host, exit non-zero."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pydantic import SecretStr

from dify_client.profiles import CredentialStore, Profile, ProfileStore
from tests.support.emulator import EmulatorHandle


def sign_in(name: str, handle: EmulatorHandle, **token_options: object) -> None:
    token = SecretStr(handle.admin.token("ada@acme.example", **token_options))
    storage = CredentialStore().save(handle.base_url, "ada@acme.example", token)
    profile = Profile(host=handle.base_url, email="ada@acme.example", token_storage=storage)
    ProfileStore().upsert(name, profile, make_default=False)


def host_port(handle: EmulatorHandle) -> str:
    return handle.base_url.split("://", 1)[1]


def test_an_expired_profile_does_not_stop_the_others_being_backed_up(
    invoke, emulator_factory, tmp_path: Path
) -> None:
    healthy, expired = emulator_factory(), emulator_factory()
    sign_in("default", healthy)
    sign_in("other", expired, ttl_seconds=60)
    expired.admin.advance(3600)  # the token of `other` has expired since
    repo = tmp_path / "backup"

    done = invoke("backup", "run", "--repo", str(repo), "-p", "default", "-p", "other")

    assert done.exit_code == 4, done.output  # only sign-in failures: the auth exit code
    # The healthy host is backed up and committed.
    committed = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "acme-prod/_index.yml" in committed
    assert f"{host_port(healthy)}  Acme Prod:" in done.stdout
    assert host_port(expired) not in done.stdout
    # The failing source, by profile and host, in one error line and a hint to sign in.
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done.stderr
    assert "profile 'other'" in errors[0] and host_port(expired) in errors[0], errors[0]
    assert "the other sources were backed up" in errors[0]
    assert "hint: Sign in again: `difyops auth login -p other`" in done.stderr
    assert "✓" not in done.stderr

    as_json = invoke("backup", "run", "--repo", str(repo), "-p", "default", "-p", "other", "--json")
    assert as_json.exit_code == 4
    report = json.loads(as_json.stdout)
    assert [(u["profile"], u["host"], u["auth"]) for u in report["unreachable"]] == [
        ("other", host_port(expired), True)
    ]
    assert {r["host"] for r in report["results"]} == {host_port(healthy).replace(":", "_")}
