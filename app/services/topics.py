"""Reading topics and their counters (maintained by the importer), in the wire shape of
`TopicOut` / `TopicList`."""

from typing import Any

from sqlalchemy import Connection, bindparam, select

from app.errors import NotFound
from app.importer.parse import slugify
from app.models import topic_table
from app.schemas import format_utc

t = topic_table
Wire = dict[str, Any]


def _topic(row: Any) -> Wire:
    latest = row.latest_published_at
    return {
        "slug": row.slug,
        "name": row.name,
        "articleCount": row.article_count,
        "latestPublishedDateTime": None if latest is None else format_utc(latest),
    }


# Built once: executing the same statement object again skips building it and computing its
# cache key (see app.services.statements).
_TOPICS = select(t).order_by(t.c.article_count.desc(), t.c.name, t.c.slug)
_TOPIC = select(t).where(t.c.slug == bindparam("slug"))


def list_topics(connection: Connection) -> Wire:
    """Every topic, most articles first, then by name."""
    rows = connection.execute(_TOPICS)
    items = [_topic(row) for row in rows]
    return {"items": items, "total": len(items)}


def get_topic(connection: Connection, slug_or_name: str) -> Wire:
    """The topic with this slug (a name is turned into its slug).

    Raises:
        NotFound: no such topic.
    """
    row = connection.execute(_TOPIC, {"slug": slugify(slug_or_name)}).one_or_none()
    if row is None:
        raise NotFound(f"no topic {slug_or_name!r}", "slug")
    return _topic(row)
