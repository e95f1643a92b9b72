"""Query parameters of the feed and CSV forms of an article list: the JSON list's filters,
reused, so that every filter of the JSON lists works on them too."""

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query

from app.api.params import (
    DEFAULT_LIMIT,
    ArticleListQuery,
    Cursor,
    Limit,
    SortParam,
    article_filters,
)
from app.services.articles import ArticleFilters, Sort

FeedSort = Annotated[
    Literal["newest"],
    Query(
        description="Feeds are always newest first, so `newest` is the only value; the JSON "
        "list and the CSV download take the other orders.",
        examples=["newest"],
    ),
]


async def feed_query(
    filters: Annotated[ArticleFilters, Depends(article_filters)],
    sort: FeedSort = "newest",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> ArticleListQuery:
    """Collect filters and paging of an article feed (newest first)."""
    return ArticleListQuery(filters=filters, sort=sort, limit=limit, cursor=cursor)


FeedQuery = Annotated[ArticleListQuery, Depends(feed_query)]


@dataclass(frozen=True)
class ArticleCSVQuery:
    """Everything a CSV download asks for: all matches, no paging."""

    filters: ArticleFilters
    sort: Sort | None  # None: the list's default (relevance with `q`, else newest)


async def csv_query(
    filters: Annotated[ArticleFilters, Depends(article_filters)], sort: SortParam = None
) -> ArticleCSVQuery:
    """Collect the filters and sort of a CSV download."""
    return ArticleCSVQuery(filters=filters, sort=sort)


CSVQuery = Annotated[ArticleCSVQuery, Depends(csv_query)]
