"""Request shapes, pagination, pacing, and that the token never leaks."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from dify_client import DifyClient, RequestRateLimiter, __version__
from dify_client.testing import FakeClock
from tests.dify_client.conftest import TOKEN


def test_requests_carry_bearer_and_user_agent(make_client) -> None:
    client, recorder = make_client(httpx.Response(200, json={"subject_type": "account"}))
    client.account.get()
    request = recorder.requests[0]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert re.fullmatch(
        rf"difyops/{re.escape(__version__)} \(\w+; [\w.-]+\)", request.headers["User-Agent"]
    )
    assert request.url.path == "/openapi/v1/account"


def test_probe_and_device_endpoints_send_no_token(make_client) -> None:
    client, recorder = make_client(
        httpx.Response(200, json={"ok": True}),
        httpx.Response(200, json={"version": "1.15.0", "edition": "SELF_HOSTED"}),
        httpx.Response(200, json={"valid": False, "expires_in_remaining": 0, "client_id": None}),
    )
    client.probe()
    client.device.lookup("ABCD-EFGH")
    assert all("Authorization" not in r.headers for r in recorder.requests)


@pytest.mark.parametrize(
    "given",
    ["https://dify.test", "https://dify.test/", "https://dify.test/openapi/v1", "dify.test"],
)
def test_base_url_forms(given: str) -> None:
    with DifyClient(given) as client:
        assert client.base_url == "https://dify.test"


def test_booleans_are_sent_as_lowercase_query_values(make_client) -> None:
    client, recorder = make_client(httpx.Response(200, json={"data": "version: 0.6.0\n"}))
    client.dsl.export("app-1", include_secret=True)
    assert recorder.requests[0].url.params["include_secret"] == "true"
    assert "workflow_id" not in recorder.requests[0].url.params


def _page(page: int, rows: int, has_more: bool) -> httpx.Response:
    data = [
        {
            "id": f"m{page}-{i}",
            "name": "n",
            "email": f"{page}-{i}@x.test",
            "role": "normal",
            "status": "active",
        }
        for i in range(rows)
    ]
    return httpx.Response(
        200, json={"page": page, "limit": 200, "total": 999, "has_more": has_more, "data": data}
    )


def test_pages_are_walked_at_the_maximum_limit(make_client) -> None:
    client, recorder = make_client(_page(1, 200, True), _page(2, 200, True), _page(3, 5, False))
    members = list(client.members.iter_all("ws"))
    assert len(members) == 405
    assert [r.url.params["page"] for r in recorder.requests] == ["1", "2", "3"]
    assert {r.url.params["limit"] for r in recorder.requests} == {"200"}


def test_an_empty_page_in_the_middle_does_not_end_the_walk(make_client) -> None:
    # Dify drops unlisted app modes after paging, so a page can be empty with more after it.
    client, recorder = make_client(_page(1, 3, True), _page(2, 0, True), _page(3, 3, False))
    assert len(list(client.members.iter_all("ws"))) == 6
    assert len(recorder.requests) == 3


def test_a_server_that_always_claims_more_stops_at_total(make_client) -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        return httpx.Response(
            200, json={"page": page, "limit": 200, "total": 450, "has_more": True, "data": []}
        )

    client, recorder = make_client(endless)
    assert list(client.members.iter_all("ws")) == []
    assert len(recorder.requests) == 3  # pages 1..3 cover a total of 450 at 200 a page


def test_paged_workspace_lists_are_walked_at_the_servers_page_size(make_client) -> None:
    def workspaces(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", 1))
        limit = int(request.url.params.get("limit", 20))
        rows = [
            {"id": f"w{i}", "name": f"W{i}", "role": "owner", "status": "normal", "current": False}
            for i in range((page - 1) * limit, min(page * limit, 45))
        ]
        body = {"page": page, "limit": limit, "total": 45, "has_more": page * limit < 45}
        return httpx.Response(200, json={**body, "data": rows})

    client, recorder = make_client(workspaces)
    assert [w.id for w in client.workspaces.list()] == [f"w{i}" for i in range(45)]
    assert [r.url.params.get("limit", "20") for r in recorder.requests] == ["20", "20", "20"]


def test_iter_pages_yields_page_objects(make_client) -> None:
    client, _ = make_client(_page(1, 2, True), _page(2, 1, False))
    pages = list(client.members.list("ws", limit=200).iter_pages())
    assert [len(p.data) for p in pages] == [2, 1]
    assert pages[0].has_more and not pages[1].has_more


def test_rate_limiter_spaces_requests_over_the_window() -> None:
    clock = FakeClock()
    limiter = RequestRateLimiter(3, period=60, clock=clock)
    for _ in range(3):
        limiter.acquire()
    assert clock.sleeps == []
    limiter.acquire()  # a 4th start within the minute waits until the 1st has aged out
    assert clock.sleeps == [60]
    limiter.acquire()
    limiter.acquire()  # the 5th and 6th share the new window with the 4th
    assert clock.sleeps == [60]
    limiter.acquire()
    assert clock.sleeps == [60, 60]


def test_client_rate_limit_paces_real_calls(make_client, fake_clock: FakeClock) -> None:
    client, recorder = make_client(
        httpx.Response(200, json={"subject_type": "account"}), rate_limit=2
    )
    for _ in range(5):
        client.account.get()
    assert len(recorder.requests) == 5
    assert sum(fake_clock.sleeps) == pytest.approx(120)


def test_clients_with_one_token_share_one_budget(fake_clock: FakeClock) -> None:
    # A promotion's source and target on the same server use the same token: Dify
    # counts them together, so the client must too.
    answer = httpx.MockTransport(lambda r: httpx.Response(200, json={"subject_type": "account"}))
    options = {"clock": fake_clock, "transport": answer, "rate_limit": 2, "generation": "s2"}
    with (
        DifyClient("https://dify.test", TOKEN, **options) as one,
        DifyClient("https://dify.test", TOKEN, **options) as two,
        DifyClient("https://dify.test", "dfoa_" + "o" * 43, **options) as other,
    ):
        one.account.get()
        two.account.get()
        other.account.get()  # another token: another budget
        assert fake_clock.sleeps == []
        two.account.get()
        assert fake_clock.sleeps == [60]


def test_token_never_appears_in_reprs_errors_or_debug_logs(
    make_client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client, _ = make_client(
        httpx.Response(
            401, json={"code": "unauthorized", "message": "invalid bearer", "status": 401}
        ),
        verbose=True,
    )
    with pytest.raises(Exception) as raised:
        client.account.get()
    texts = [repr(client), str(client), repr(raised.value), str(raised.value), caplog.text]
    texts += [repr(client._http._auth)]
    assert caplog.text  # the verbose request line was logged
    assert "[redacted]" in caplog.text
    for text in texts:
        assert TOKEN not in text
        assert TOKEN[5:20] not in text


def test_invite_url_is_kept_out_of_reprs(make_client) -> None:
    client, _ = make_client(
        httpx.Response(
            201,
            json={
                "email": "a@x.test",
                "role": "normal",
                "member_id": "m",
                "invite_url": "https://dify.test/activate?email=a&token=s3cr3t-token",
                "tenant_id": "ws",
            },
        )
    )
    invite = client.members.invite("ws", "A@x.test", "normal")
    assert "s3cr3t-token" not in repr(invite)
    assert "s3cr3t-token" not in str(invite.model_dump())
    assert "s3cr3t-token" in invite.invite_url.get_secret_value()


def test_request_models_are_strict(make_client) -> None:
    client, recorder = make_client(httpx.Response(200, json={}))
    with pytest.raises(ValueError):
        client.members.invite("ws", "not-an-email", "normal")
    with pytest.raises(ValueError):
        client.members.update_role("ws", "m", "owner")  # type: ignore[arg-type]
    assert recorder.requests == []
