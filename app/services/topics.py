"""Reading topics and their counters (maintained by the importer)."""

from typing import Any

from sqlalchemy import Connection, select

from app.errors import NotFound
from app.importer.parse import slugify
from app.models import topic_table
from app.schemas import TopicList, TopicOut

t = topic_table


def _topic(row: Any) -> TopicOut:
    return TopicOut(
        slug=row.slug,
        name=row.name,
        article_count=row.article_count,
        latest_published_date_time=row.latest_published_at,
    )


def list_topics(connection: Connection) -> TopicList:
    """Every topic, most articles first, then by name."""
    rows = connection.execute(select(t).order_by(t.c.article_count.desc(), t.c.name, t.c.slug))
    items = [_topic(row) for row in rows]
    return TopicList(items=items, total=len(items))


def get_topic(connection: Connection, slug_or_name: str) -> TopicOut:
    """The topic with this slug (a name is turned into its slug).

    Raises:
        NotFound: no such topic.
    """
    row = connection.execute(select(t).where(t.c.slug == slugify(slug_or_name))).one_or_none()
    if row is None:
        raise NotFound(f"no topic {slug_or_name!r}", "slug")
    return _topic(row)
