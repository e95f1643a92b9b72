"""Reading articles whole for an export: every match's slug, stored front matter and body."""

from collections.abc import Iterator
from typing import Any, NamedTuple

from sqlalchemy import Connection, select

from app.models import article_table, source_table
from app.services.articles import ArticleFilters, _scope

# Enough rows per query to amortize the round trip; few enough bodies to keep memory flat.
EXPORT_BATCH = 200


class ArticleSource(NamedTuple):
    """What an article's file said: its slug (the file name), front matter and body."""

    slug: str
    front_matter: dict[str, Any]
    body: str


def iter_article_sources(
    connection: Connection, filters: ArticleFilters, *, batch: int = EXPORT_BATCH
) -> Iterator[ArticleSource]:
    """Yield the source of every article matching `filters` (the filters of `/articles`), in
    id order, `batch` rows per query: never the whole collection in memory. Run it inside one
    transaction for a consistent snapshot.

    Raises:
        InvalidParameter: contradictory filters.
    """
    filters.check()
    a, s = article_table, source_table
    conditions = _scope(connection, filters).conditions
    query = (
        select(a.c.id, a.c.slug, s.c.front_matter, s.c.body)
        .join(s, s.c.article_id == a.c.id)
        .where(*conditions)
        .order_by(a.c.id)
        .limit(batch)
    )
    last_id = 0
    while True:
        rows = connection.execute(query.where(a.c.id > last_id)).all()
        for row in rows:
            yield ArticleSource(row.slug, row.front_matter, row.body)
        if len(rows) < batch:
            return
        last_id = rows[-1].id
