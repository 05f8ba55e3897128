"""The promotion's target adapter: the client's calls bound to one workspace, and the
client's errors turned into the port's, with the class name and message the results show."""

from __future__ import annotations

from typing import Any, cast

import pytest

from dify_client import DifyClient, DifyConnectionError
from dify_client.models import Import
from reconcile.promotion.ports import PromotionTarget, TargetError
from tasks.promotion.apply import ClientTarget


class RecordingDsl:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def import_(self, *args: Any, **kwargs: Any) -> Import:
        self.calls.append(("import_", args, kwargs))
        return Import(id="imp-1", status="completed", app_id="a-1")

    def confirm(self, *args: Any, **kwargs: Any) -> Import:
        self.calls.append(("confirm", args, kwargs))
        return Import(id="imp-1", status="completed", app_id="a-1")

    def export(self, *args: Any, **kwargs: Any) -> str:
        raise DifyConnectionError("connection refused", method="GET", url="/apps/a-1/export")


class StubClient:
    def __init__(self) -> None:
        self.dsl = RecordingDsl()


def target() -> tuple[PromotionTarget, RecordingDsl]:
    client = StubClient()
    return ClientTarget(cast(DifyClient, client), "ws-1"), client.dsl


def test_imports_and_confirms_go_to_the_bound_workspace() -> None:
    port, dsl = target()
    port.import_("text", app_id="a-1", name="App")
    port.confirm("imp-1")
    assert dsl.calls == [
        ("import_", ("ws-1",), {"yaml_content": "text", "app_id": "a-1", "name": "App"}),
        ("confirm", ("ws-1", "imp-1"), {}),
    ]


def test_a_client_error_becomes_a_target_error_of_the_same_kind() -> None:
    port, _ = target()
    with pytest.raises(TargetError) as caught:
        port.export("a-1", include_secret=False)
    assert caught.value.described() == "DifyConnectionError: connection refused"
    assert isinstance(caught.value.__cause__, DifyConnectionError)
