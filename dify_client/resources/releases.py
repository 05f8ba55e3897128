"""Releasing a workflow or advanced-chat app: publish, versions, restore, release check.

S3 servers only (Dify's `api/controllers/openapi/app_workflow.py` and `app_release.py`);
on an S2 server every method raises UnsupportedOperationError before any request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from dify_client._constants import MAX_PAGE_LIMIT
from dify_client._http import parse_json
from dify_client._pagination import Page
from dify_client.models.releases import (
    MARKED_COMMENT_MAX,
    MARKED_NAME_MAX,
    AppVersion,
    PublishedVersion,
    ReleaseCheck,
    RestoredDraft,
)
from dify_client.resources._base import Resource, segment, validate

VERSION_PAGE_MAX = min(MAX_PAGE_LIMIT, 100)  # Dify caps list limits at 100


class _Envelope(BaseModel):
    """`VersionListResponse` without its rows: validated only to explain a bad shape."""

    page: int
    limit: int
    has_more: bool
    data: list[Any]


class ReleasesResource(Resource):
    def publish(
        self, app_id: str, *, marked_name: str = "", marked_comment: str = ""
    ) -> PublishedVersion:
        """Publish the draft as a new version; the app runs it from now on."""
        segment(app_id, "app_id")
        if len(marked_name) > MARKED_NAME_MAX:
            raise ValueError(
                f"marked_name is {len(marked_name)} characters; Dify allows {MARKED_NAME_MAX}"
            )
        if len(marked_comment) > MARKED_COMMENT_MAX:
            raise ValueError(
                f"marked_comment is {len(marked_comment)} characters; "
                f"Dify allows {MARKED_COMMENT_MAX}"
            )
        body = {"marked_name": marked_name, "marked_comment": marked_comment}
        return self._call(
            "publish.console_app", PublishedVersion, {"app_id": app_id}, json_body=body
        )

    def versions(
        self, app_id: str, *, page: int = 1, limit: int = 20, named_only: bool = False
    ) -> Page[AppVersion]:
        """Published versions, newest first; iterating the page walks the following ones.

        Dify's version list has no `total`; the page is given one that is just past what
        is known, so `Page` keeps walking while the server says `has_more`.
        """
        segment(app_id, "app_id")
        if page < 1 or not 1 <= limit <= VERSION_PAGE_MAX:
            raise ValueError(f"page must be ≥ 1 and limit 1..{VERSION_PAGE_MAX}")
        path_params = {"app_id": app_id}
        params: dict[str, Any] = {"limit": limit}
        if named_only:
            params["named_only"] = "true"

        def fetch(number: int) -> Page[AppVersion]:
            response = self._send(
                "get.console_app.version", path_params, params={**params, "page": number}
            )
            where = f"{response.request.method} {response.request.url.path}"
            body = parse_json(response)
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                validate(_Envelope, body, where=where)  # raises with the shape problem
            known = (number - 1) * limit + len(body["data"]) + (1 if body.get("has_more") else 0)
            rows = [validate(AppVersion, row, where=where) for row in body["data"]]
            return Page(
                data=rows,
                page=int(body.get("page", number)),
                limit=int(body.get("limit", limit)),
                total=known,
                has_more=bool(body.get("has_more", False)),
                fetch=fetch,
            )

        return fetch(page)

    def iter_versions(self, app_id: str, *, named_only: bool = False) -> Iterator[AppVersion]:
        """Every published version, newest first, at the largest page size."""
        return iter(self.versions(app_id, limit=VERSION_PAGE_MAX, named_only=named_only))

    def live_version(self, app_id: str) -> str | None:
        """The id of the version the app's runs use (`current`); None if never published."""
        return next((v.id for v in self.iter_versions(app_id) if v.current), None)

    def restore(self, app_id: str, version_id: str) -> RestoredDraft:
        """Copy a published version into the draft; publish again to make it live."""
        segment(app_id, "app_id")
        segment(version_id, "version_id")
        path_params = {"app_id": app_id, "version_id": version_id}
        return self._call("restore.console_app.version", RestoredDraft, path_params)

    def check(self, app_id: str) -> ReleaseCheck:
        """Whether the draft is ready to publish, and what it changes."""
        segment(app_id, "app_id")
        return self._call("check.console_app.release", ReleaseCheck, {"app_id": app_id})
