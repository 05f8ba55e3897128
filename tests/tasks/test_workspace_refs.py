"""Backup sources and promotion sides resolve workspace references through find_workspace."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from dify_client import DifyError
from dify_client.models import Workspace
from jobs import Source
from reconcile.errors import PlanError
from tasks.backup import steps
from tasks.promotion.sides import resolve_workspace


def ws(id_: str, name: str) -> Workspace:
    return Workspace(id=id_, name=name, role="owner", status="normal", current=False)


@dataclass
class FakeWorkspaces:
    rows: list[Workspace]

    def list(self) -> list[Workspace]:
        return list(self.rows)


@dataclass
class FakeClient:
    workspaces: FakeWorkspaces = field(
        default_factory=lambda: FakeWorkspaces([ws("w1", "Acme Dev"), ws("w2", "Acme Prod")])
    )
    base_url: str = "https://dify.test"

    def __enter__(self) -> FakeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_a_promotion_side_by_name_or_id() -> None:
    assert resolve_workspace(FakeClient(), "Acme Prod").id == "w2"  # type: ignore[arg-type]
    assert resolve_workspace(FakeClient(), "w1").name == "Acme Dev"  # type: ignore[arg-type]


def test_an_unknown_promotion_side_names_the_server_and_suggests() -> None:
    with pytest.raises(PlanError) as caught:
        resolve_workspace(FakeClient(), "acme prdo")  # type: ignore[arg-type]
    assert caught.value.message == "no workspace 'acme prdo' on https://dify.test"
    assert caught.value.hint == (
        "Workspaces this account can see: 'Acme Dev', 'Acme Prod'. Did you mean 'Acme Prod'?"
    )


def test_backup_sources_report_every_missing_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(steps, "open_client", lambda source, rate_limit=None: FakeClient())
    source = Source(workspaces=["w1", "Acme Prdo", "Nope"])
    with pytest.raises(DifyError) as caught:
        steps.list_backup_targets.fn([source])
    assert caught.value.message == (
        f"{source.describe()}: no workspace 'Acme Prdo', 'Nope' among 'Acme Dev', 'Acme Prod'"
    )
    assert caught.value.hint == "Did you mean 'Acme Prod'?"


def test_backup_sources_choose_in_listing_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(steps, "open_client", lambda source, rate_limit=None: FakeClient())
    targets = steps.list_backup_targets.fn([Source(workspaces=["Acme Prod", "w1"])]).targets
    assert [t.workspace_id for t in targets] == ["w1", "w2"]
