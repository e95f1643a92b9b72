"""Reading one page of an article feed: the articles, newest first, and what the feed says of
itself (the scope it covers, when the collection last changed)."""

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from app.models import catalog_table
from app.services.articles import ArticleFilters, list_article_dicts
from app.services.providers import get_provider
from app.services.topics import get_topic

Wire = dict[str, Any]


def article_feed(
    connection: Connection, filters: ArticleFilters, *, limit: int, cursor: str | None
) -> Wire:
    """One page of the feed of the articles matching `filters`, newest first: `items` (dicts,
    as in an `ArticlePage`), `nextCursor`, `scope` (the topic's or provider's name, or None for
    all articles) and `changedAt` (when an import last changed the collection, or None).

    Raises:
        NotFound: `within_topic` or `within_provider` does not exist.
        InvalidParameter: contradictory filters or a malformed cursor.
    """
    page = list_article_dicts(connection, filters, sort="newest", limit=limit, cursor=cursor)
    scope: str | None = None
    if filters.within_topic is not None:
        scope = get_topic(connection, filters.within_topic)["name"]
    elif filters.within_provider is not None:
        provider = get_provider(connection, filters.within_provider)
        scope = provider["name"] or provider["domain"]
    changed_at: datetime | None = connection.execute(
        select(catalog_table.c.changed_at)
    ).scalar_one_or_none()
    return {
        "items": page["items"],
        "nextCursor": page["nextCursor"],
        "scope": scope,
        "changedAt": changed_at,
    }
