"""An import that got no answer (issue 14.15): the target is read back before the app is
reported, so an import the server applied before the connection dropped is not "failed"."""

from __future__ import annotations

from reconcile.promotion.apply import apply_plan
from reconcile.promotion.ports import TargetError
from reconcile.promotion.result import Outcome
from tests.reconcile.fake_target import FakeTarget
from tests.reconcile.promotion_fixtures import TARGET_SECRET, workflow_app
from tests.reconcile.test_promotion_apply import NEW_PROMPT, planned, run, update_case


def test_an_update_applied_before_the_connection_dropped_is_verified_and_applied() -> None:
    result, fake, _ = update_case(drop="after")
    app = result.apps[0]
    assert app.outcome == Outcome.APPLIED, app.message
    assert app.message.startswith("updated (") and "; verified" in app.message
    assert app.import_status == "no answer; read back: applied"
    assert any("got no answer" in item for item in app.attention)
    assert NEW_PROMPT in fake.apps["t-1"]
    assert fake.methods() == ["export", "import", "export", "check", "export"]
    assert TARGET_SECRET not in result.model_dump_json()


def test_an_update_dropped_before_the_server_wrote_is_failed_and_left_as_it_was() -> None:
    result, fake, before = update_case(drop="before")
    app = result.apps[0]
    assert app.outcome == Outcome.FAILED
    assert app.message == (
        "DifyConnectionError: Server disconnected without sending a response.; read back, "
        "the target does not hold what was sent: the import was not applied"
    )
    assert fake.apps == before
    assert not result.ok


def test_a_new_app_applied_before_the_connection_dropped_is_found_by_name() -> None:
    result, fake, _ = run(workflow_app(prompt=NEW_PROMPT), None, drop="after")
    app = result.apps[0]
    assert app.outcome == Outcome.APPLIED, app.message
    assert app.app_id == "new-1" and list(fake.apps) == ["new-1"]
    assert "list" in fake.methods()


def test_a_new_app_dropped_before_the_server_wrote_is_failed() -> None:
    result, fake, _ = run(workflow_app(prompt=NEW_PROMPT), None, drop="before")
    app = result.apps[0]
    assert app.outcome == Outcome.FAILED and "the import was not applied" in app.message
    assert fake.apps == {}


def test_a_rollback_that_cannot_be_read_back_is_a_failed_rollback() -> None:

    class GoneAfterRollback(FakeTarget):
        def export(self, app_id: str, *, include_secret: bool) -> str:
            if self._imports > 1:
                raise TargetError("connection refused", kind="DifyConnectionError")
            return super().export(app_id, include_secret=include_secret)

    plan, texts, before = planned(workflow_app(prompt=NEW_PROMPT), workflow_app())
    app = apply_plan(GoneAfterRollback(apps=dict(before), tamper=True), plan, texts).apps[0]
    assert app.outcome == Outcome.ROLLBACK_FAILED
    assert "it could not be read back: DifyConnectionError: connection refused" in app.message
