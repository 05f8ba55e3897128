"""Planning a manifest through a fake reader: one reader per workspace, the `only` filter,
the host guard, and read errors passing through untouched."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from dify_client.models import Account, Member, WorkspaceRef
from reconcile.errors import ManifestError, PlanError
from reconcile.members.live import plan_manifest
from reconcile.members.loader import load_manifest
from reconcile.members.manifest import MembersManifest, WorkspaceManifest
from reconcile.members.planner import PlanOverrides
from tests.reconcile.test_members_planner import LIVE, member

HOST = "https://dify.test"
DEV = WorkspaceRef(id="w1", name="Acme Dev", role="owner")
LAB = WorkspaceRef(id="w2", name="Partner Lab", role="admin")


class FakeReader:
    def __init__(self, members: dict[str, list[Member]], base_url: str = HOST) -> None:
        self._members = members
        self._base_url = base_url
        self.read: list[str] = []

    @property
    def base_url(self) -> str:
        return self._base_url

    def account(self) -> Account:
        return Account(
            subject_type="account", subject_email="ada@acme.example", workspaces=[DEV, LAB]
        )

    def members(self, workspace_id: str) -> list[Member]:
        self.read.append(workspace_id)
        return self._members[workspace_id]

    def normalize_url(self, url: str) -> str:
        if not url.startswith("https://"):
            raise ValueError("the URL must start with https://")
        return url.rstrip("/")


class FakeReaders:
    def __init__(self, reader: FakeReader) -> None:
        self.reader = reader
        self.opened: list[str | None] = []  # the profile of each entry opened

    @contextmanager
    def open(self, entry: WorkspaceManifest) -> Iterator[FakeReader]:
        self.opened.append(entry.profile)
        yield self.reader


LAB_MEMBERS = [member("ada@acme.example", "admin"), member("margaret@partner.example", "normal")]


def two(*, dev_options: str = "") -> MembersManifest:
    dev = "".join(f"      - email: {m.email}\n        role: {m.role}\n" for m in LIVE)
    text = (
        "version: 1\nworkspaces:\n"
        f"  - name: Acme Dev\n    profile: dev\n{dev_options}    members:\n{dev}"
        "  - id: w2\n    members:\n      - email: ada@acme.example\n        role: admin\n"
        "      - email: hedy@acme.example\n        role: normal\n"
    )
    return load_manifest(text, source="m.yml")


def readers() -> FakeReaders:
    return FakeReaders(FakeReader({"w1": list(LIVE), "w2": LAB_MEMBERS}))


def test_every_workspace_is_planned_through_a_reader_opened_for_it() -> None:
    fake = readers()
    plan_set = plan_manifest(
        two(), fake.open, manifest_path="m.yml", generated_at="2026-12-03T10:00:00+00:00"
    )
    assert fake.opened == ["dev", None] and fake.reader.read == ["w1", "w2"]
    dev, lab = plan_set.plans
    assert (dev.workspace_name, dev.base_url, dev.actor_email) == (
        "Acme Dev",
        HOST,
        "ada@acme.example",
    )
    assert not dev.has_changes
    assert [(c.action, c.email) for c in lab.changes] == [("invite", "hedy@acme.example")]
    assert plan_set.is_intact() and plan_set.generated_at == "2026-12-03T10:00:00+00:00"
    assert (plan_set.manifest, plan_set.only) == ("m.yml", [])


@pytest.mark.parametrize("ref", ["Partner Lab", "w2"])
def test_only_plans_the_workspaces_it_names_and_reads_no_other_members(ref: str) -> None:
    fake = readers()
    overrides = PlanOverrides(allow_no_admin=True)
    plan_set = plan_manifest(
        two(), fake.open, manifest_path="m.yml", only=[ref], overrides=overrides
    )
    assert [p.workspace_id for p in plan_set.plans] == ["w2"]
    assert fake.reader.read == ["w2"]
    assert (plan_set.only, plan_set.overrides) == ([ref], overrides)


def test_only_naming_no_manifest_workspace_is_refused() -> None:
    with pytest.raises(PlanError) as caught:
        plan_manifest(two(), readers().open, manifest_path="m.yml", only=["w2", "Nope"])
    assert caught.value.message == "m.yml: no workspace 'Nope' in the manifest"
    assert caught.value.hint == "The manifest lists: 'Acme Dev', 'w2'."


def test_a_workspace_on_another_host_is_refused_at_its_line() -> None:
    here = plan_manifest(
        two(dev_options=f"    host: {HOST}/\n"), readers().open, manifest_path="m.yml"
    )
    assert len(here.plans) == 2
    with pytest.raises(ManifestError) as caught:
        plan_manifest(
            two(dev_options="    host: https://dify.elsewhere.example\n"),
            readers().open,
            manifest_path="m.yml",
        )
    assert caught.value.message == (
        "m.yml:5:11: workspace 'Acme Dev' is on https://dify.elsewhere.example, but the "
        f"connection is to {HOST}"
    )
    assert "--" not in (caught.value.hint or "")  # no command-line wording in reconcile
    with pytest.raises(ManifestError, match=r"^m.yml:5:11: invalid host: the URL must start"):
        plan_manifest(
            two(dev_options="    host: dify.test\n"), readers().open, manifest_path="m.yml"
        )


def test_an_unknown_workspace_is_refused_at_its_line() -> None:
    manifest = load_manifest(
        "version: 1\nworkspaces:\n  - name: Acme Stage\n    members: []\n", source="m.yml"
    )
    with pytest.raises(ManifestError, match=r"^m.yml:3:11: unknown workspace"):
        plan_manifest(manifest, readers().open, manifest_path="m.yml")


def test_read_errors_pass_through_untouched() -> None:
    class Refused(Exception):
        pass

    class Failing(FakeReader):
        def members(self, workspace_id: str) -> list[Member]:
            raise Refused(workspace_id)

    with pytest.raises(Refused):
        plan_manifest(two(), FakeReaders(Failing({})).open, manifest_path="m.yml")
