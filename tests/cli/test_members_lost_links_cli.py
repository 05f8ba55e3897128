"""A run killed between Dify's answer to an invite and the writing of its link: the next
`members apply --invite-urls FILE` invites that person again (Dify re-issues the link of
a pending invitee) and keeps the new link; pending invitees it did not invite stay alone."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tasks.members.invite_links import InviteLinkFile
from tests.cli.test_members_cli import ACME_DEV, flat, manifest_text, roles
from tests.support.emulator import EmulatorHandle


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no handler sees it."""


def _links(path: Path) -> dict[str, str]:
    return dict(line.split("\t", 1) for line in path.read_text().splitlines() if "\t" in line)


def test_a_link_lost_to_a_kill_is_reissued_by_the_next_apply(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = tmp_path / "m.yml"
    manifest.write_text(manifest_text([*ACME_DEV, ("hedy@acme.example", "admin")]))
    links = tmp_path / "invites.tsv"

    def killed(self: InviteLinkFile, email: str, url: object) -> None:
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(InviteLinkFile, "add", killed)
        with pytest.raises(Killed):
            invoke(
                "members",
                "apply",
                "--auto-approve",
                "-f",
                str(manifest),
                "--invite-urls",
                str(links),
            )
    assert roles(emulator)["hedy@acme.example"] == ("admin", "pending")  # Dify invited her
    assert "hedy@acme.example" not in _links(links)  # … and the link was lost

    planned = invoke("members", "plan", "-f", str(manifest))
    assert planned.exit_code == 0 and "no changes" in planned.stdout

    rerun = invoke(
        "members", "apply", "--auto-approve", "-f", str(manifest), "--invite-urls", str(links)
    )
    assert rerun.exit_code == 0, rerun.output
    kept = _links(links)
    assert set(kept) == {"hedy@acme.example"}  # newhire, pending from before, is not touched
    assert "/activate?email=hedy%40acme.example&token=" in kept["hedy@acme.example"]
    said = flat(rerun.stdout + rerun.stderr)
    assert "invited again" in said and "Dify issued a new one" in said
    assert "/activate?" not in said
    assert roles(emulator)["hedy@acme.example"] == ("admin", "pending")
    assert stat.S_IMODE(links.stat().st_mode) == 0o600

    # Once kept, the link is not re-issued again.
    third = invoke(
        "members", "apply", "--auto-approve", "-f", str(manifest), "--invite-urls", str(links)
    )
    assert third.exit_code == 0, third.output
    assert "invited again" not in flat(third.stdout + third.stderr)
    assert len(links.read_text().splitlines()) == 1


def test_without_the_same_file_nothing_is_invited_again(
    invoke, signed_in, emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = tmp_path / "m.yml"
    manifest.write_text(manifest_text([*ACME_DEV, ("hedy@acme.example", "admin")]))
    links = tmp_path / "invites.tsv"
    with monkeypatch.context() as patched:
        patched.setattr(InviteLinkFile, "add", lambda *args: (_ for _ in ()).throw(Killed()))
        with pytest.raises(Killed):
            invoke(
                "members",
                "apply",
                "--auto-approve",
                "-f",
                str(manifest),
                "--invite-urls",
                str(links),
            )
    emulator.admin.reset_stats()
    other = tmp_path / "other.tsv"
    rerun = invoke(
        "members", "apply", "--auto-approve", "-f", str(manifest), "--invite-urls", str(other)
    )
    assert rerun.exit_code == 0, rerun.output
    assert not other.exists() or _links(other) == {}
