"""Paging of the API's lists: one bounded schema for every list endpoint (issue 12 finding 7).

Every list operation takes `limit` and `offset` through `Query[paging(...)]`, so the OpenAPI description states
their bounds and a value outside them (a negative offset, an offset past 2^63 that the database cannot even
represent) is refused with 422 in the platform's error format before any query runs. Pages numbered from 1
(the public search) use `PageNumber`. The bounds are technical, not legal numbers.
"""

from __future__ import annotations

import functools

from ninja import Schema
from pydantic import Field, create_model

#: The largest offset any list accepts: far beyond the platform's largest table, far below 2^63.
MAX_OFFSET = 10_000_000
#: The largest page number of a numbered list (the public search shows at most a few hundred pages).
MAX_PAGE = 100_000


class Paging(Schema):
    """`limit` items from `offset` on (0-based)."""

    limit: int = Field(100, ge=1, le=500, description="how many items, at most")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="how many items to skip")

    def window(self, items):
        """The page of a queryset or a list."""
        return items[self.offset : self.offset + self.limit]


@functools.cache
def paging(*, default: int = 100, maximum: int = 500) -> type[Paging]:
    """The paging schema of a list whose pages hold `default` items unless asked for up to `maximum`."""
    if not 1 <= default <= maximum:
        raise ValueError("the default page size lies between 1 and the maximum")
    return create_model(
        f"Paging{default}of{maximum}", __base__=Paging,
        limit=(int, Field(default, ge=1, le=maximum, description="how many items, at most")),
    )


class PageNumber(Schema):
    """A page of a numbered list, from 1."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description="the page, from 1")
