"""What differs between the database engines, in one place."""

from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    String,
    Table,
    and_,
    case,
    func,
    literal_column,
    null,
    or_,
    select,
    text,
    type_coerce,
)

from app.models import (
    article_table,
    article_topic_table,
    image_table,
    provider_table,
    topic_table,
)


def allocate_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """Reserve `count` new primary-key values of `table` inside the caller's transaction, so
    that rows can be bulk-inserted with their ids known up front (no RETURNING per row)."""
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": count},
        )
        return [int(value) for value in rows.scalars()]
    # SQLite: the importer holds the write lock (BEGIN IMMEDIATE), so nobody else can take
    # the ids above the current maximum before this transaction ends.
    top = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + count))


def month_of(dialect_name: str, moment: ColumnElement[Any]) -> ColumnElement[str]:
    """The UTC month ("2020-06") of a stored time, as text."""
    # Constants are written inline, not bound, so that the expression is the same SQL text in
    # SELECT and in GROUP BY: PostgreSQL requires that.
    if dialect_name == "sqlite":
        # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC, zero-padded year).
        return func.substr(moment, literal_column("1"), literal_column("7"), type_=String)
    return func.to_char(moment, literal_column("'YYYY-MM'"), type_=String)


# Any constant will do, as long as every importer takes the same one.
IMPORT_LOCK_KEY = 0x61727469636C6573  # "articles"


def lock_for_import(connection: Connection) -> None:
    """Make this transaction the only import running, until it ends. SQLite's importer already
    holds the write lock (BEGIN IMMEDIATE); PostgreSQL takes a transaction-level advisory lock,
    so two imports queue instead of interleaving their ids and change-log positions."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(IMPORT_LOCK_KEY)))


@cache
def summary_json(dialect_name: str) -> ColumnElement[str] | None:
    """A column holding each article's list item (`ArticleSummary`) as JSON text, built by the
    database itself, or None where the engine has no such fast path (the caller then builds
    items in Python). On SQLite this turns a page into one query and no per-row Python."""
    if dialect_name != "sqlite":
        return None
    a, p = article_table, provider_table
    link, t, i = article_topic_table, topic_table, image_table
    topics = (
        select(t.c.name)
        .join_from(link, t, t.c.id == link.c.topic_id)
        .where(link.c.article_id == a.c.id)
        .order_by(link.c.position)
        .correlate(a)
        .subquery()
    )
    images = (
        select(i).where(i.c.article_id == a.c.id).order_by(i.c.position).correlate(a).subquery()
    )
    image = func.json_object(
        "url", images.c.url,
        "width", images.c.width,
        "height", images.c.height,
        "isCached", _json_bool(images.c.is_cached),
        "title", images.c.title,
    )  # fmt: skip
    provider = case(
        (and_(a.c.provider_name.is_(None), p.c.domain.is_(None)), null()),
        else_=func.json_object("name", a.c.provider_name, "domain", p.c.domain),
    )
    expression: ColumnElement[str] = func.json_object(
        "slug", a.c.slug,
        "title", a.c.title,
        "excerpt", a.c.excerpt,
        "publishedDateTime", _iso_utc(type_coerce(a.c.published_at, String)),
        "webUrl", a.c.web_url,
        "ampWebUrl", a.c.amp_web_url,
        "cdnAmpWebUrl", a.c.cdn_amp_web_url,
        "originalUrl", a.c.original_url,
        "type", a.c.type,
        "quality", a.c.quality,
        "heat", a.c.heat,
        "published", _json_bool(a.c.published),
        "provider", provider,
        "topics", select(func.json_group_array(topics.c.name)).scalar_subquery(),
        "images", select(func.json_group_array(image)).scalar_subquery(),
    )  # fmt: skip
    return expression


def _json_bool(column: ColumnElement[Any]) -> ColumnElement[Any]:
    # SQLite stores booleans as 0/1; json('true') carries the JSON subtype into json_object.
    flag = type_coerce(column, Integer)
    return case((flag == 1, func.json("true")), (flag == 0, func.json("false")), else_=null())


def _iso_utc(stored: ColumnElement[str]) -> ColumnElement[str]:
    # SQLAlchemy keeps SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC); the wire
    # form is ISO 8601 with a Z, with the fraction only when it is not zero (see format_utc).
    day, clock = func.substr(stored, 1, 10), func.substr(stored, 12, 8)
    fraction = func.substr(stored, 21)
    whole = day.concat("T").concat(clock).concat("Z")
    precise = day.concat("T").concat(clock).concat(".").concat(fraction).concat("Z")
    return case((or_(fraction == "", fraction == "000000"), whole), else_=precise)
