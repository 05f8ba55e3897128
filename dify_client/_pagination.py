"""Page-number pagination as Dify does it: `{page, limit, total, has_more, data}`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


class Page(Generic[T]):
    """One page of results that knows how to fetch the next one.

    Iterating a page yields every item from this page on, fetching further pages while the
    server says `has_more`; `iter_pages()` walks whole pages; `.data` is this page only.
    """

    def __init__(
        self,
        *,
        data: list[T],
        page: int,
        limit: int,
        total: int,
        has_more: bool,
        fetch: Callable[[int], Page[T]] | None,
    ) -> None:
        self.data = data
        self.page = page
        self.limit = limit
        self.total = total
        self.has_more = has_more
        self._fetch = fetch

    @classmethod
    def from_envelope(
        cls,
        body: dict[str, Any],
        model: type[T],
        fetch: Callable[[int], Page[T]] | None,
    ) -> Page[T]:
        return cls(
            data=[model.model_validate(row) for row in body.get("data") or []],
            page=int(body.get("page", 1)),
            limit=int(body.get("limit", 0)),
            total=int(body.get("total", 0)),
            has_more=bool(body.get("has_more", False)),
            fetch=fetch,
        )

    def next_page(self) -> Page[T] | None:
        """The following page, while the server says there is one.

        A page may be empty and still have successors: Dify drops apps of modes it does
        not list after paging (contract §2.3), so `has_more` is what counts. The walk
        still stops past the last page `total` allows, so a server that keeps saying
        `has_more` cannot make it loop forever.
        """
        if not self.has_more or self._fetch is None:
            return None
        if self.limit > 0 and self.page * self.limit >= self.total:
            return None
        return self._fetch(self.page + 1)

    def iter_pages(self) -> Iterator[Page[T]]:
        page: Page[T] | None = self
        while page is not None:
            yield page
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data

    def all(self) -> list[T]:
        return list(self)

    def __repr__(self) -> str:
        return (
            f"Page(page={self.page}, limit={self.limit}, total={self.total}, "
            f"has_more={self.has_more}, items={len(self.data)})"
        )
