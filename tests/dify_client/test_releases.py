"""The release resource against scripted S3 answers: paging a list that has no `total`,
and the length checks that refuse a publish before any I/O."""

from __future__ import annotations

import json

import httpx
import pytest

from dify_client._errors import UnsupportedOperationError

APP = "a0000000-0000-4000-8000-000000000101"
# A forced-S3 client may read the catalog; without one it uses the built-in S3 table.
_NOT_FOUND = {"code": "not_found", "message": "no", "status": 404}


def _no_catalog(*answers: httpx.Response):
    """Scripted answers for the API calls; any `/_catalog` read is a 404."""
    queue = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/_catalog"):
            return httpx.Response(404, json=_NOT_FOUND)
        return queue.pop(0)

    return answer


def _api_requests(recorder) -> list[httpx.Request]:
    return [r for r in recorder.requests if not r.url.path.endswith("/_catalog")]


def _row(n: int, *, current: bool = False) -> dict[str, object]:
    return {
        "id": f"v{n}",
        "marked_name": f"r{n}",
        "marked_comment": "",
        "created_by": None,
        "created_at": 1_700_000_000 + n,
        "current": current,
    }


def _page(page: int, rows: list[dict[str, object]], has_more: bool) -> httpx.Response:
    body = {"hints": [], "page": page, "limit": 2, "has_more": has_more, "data": rows}
    return httpx.Response(200, json=body)


def test_versions_walk_every_page_though_dify_sends_no_total(make_client) -> None:
    client, recorder = make_client(
        _no_catalog(
            _page(1, [_row(5, current=True), _row(4)], True),
            _page(2, [_row(3), _row(2)], True),
            _page(3, [_row(1)], False),
        ),
        generation="s3",
    )
    versions = list(client.releases.versions(APP, limit=2))
    assert [v.id for v in versions] == ["v5", "v4", "v3", "v2", "v1"]
    assert versions[0].current and not any(v.current for v in versions[1:])
    sent = _api_requests(recorder)
    assert [r.url.params["page"] for r in sent] == ["1", "2", "3"]
    assert all(r.url.path == f"/openapi/v1/apps/{APP}/versions" for r in sent)


def test_publish_sends_the_names_and_reads_the_new_version(make_client) -> None:
    published_body = {"version_id": "v9", "created_at": 1, "warning": None}
    client, recorder = make_client(
        _no_catalog(httpx.Response(200, json=published_body)), generation="s3"
    )
    published = client.releases.publish(APP, marked_name="v2", marked_comment="retry")
    assert published.version_id == "v9" and published.warning is None
    [request] = _api_requests(recorder)
    assert request.method == "POST" and request.url.path == f"/openapi/v1/apps/{APP}:publish"
    assert json.loads(request.content) == {"marked_name": "v2", "marked_comment": "retry"}


@pytest.mark.parametrize(
    ("field", "value"), [("marked_name", "x" * 21), ("marked_comment", "y" * 101)]
)
def test_too_long_names_fail_before_any_request(make_client, field: str, value: str) -> None:
    client, recorder = make_client(httpx.Response(500), generation="s3")
    with pytest.raises(ValueError, match=field):
        client.releases.publish(APP, **{field: value})
    assert recorder.requests == []


def test_the_longest_allowed_names_are_sent(make_client) -> None:
    client, recorder = make_client(
        _no_catalog(httpx.Response(200, json={"version_id": "v1", "created_at": 1})),
        generation="s3",
    )
    client.releases.publish(APP, marked_name="x" * 20, marked_comment="y" * 100)
    assert len(_api_requests(recorder)) == 1


def test_an_s2_server_refuses_release_ops_without_a_request(make_client) -> None:
    client, recorder = make_client(httpx.Response(500))
    with pytest.raises(UnsupportedOperationError):
        client.releases.check(APP)
    assert recorder.requests == []
