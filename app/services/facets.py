"""Facets of an article list: how the whole filtered set splits by topic, provider, type, ...

Counts take the list's own SQL conditions, so every filter of the list (present or future)
narrows its facets too. Buckets come most frequent first, ties by value (a `null` value
last), at most `TOP` per facet.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, Connection, Select, func, select

from app.dialect import month_of
from app.errors import InvalidParameter
from app.models import article_table, article_topic_table, provider_table, topic_table

FacetName = Literal["topic", "provider", "type", "published", "month"]
# The canonical order: answers list their facets in this order whatever the request's.
FACETS: tuple[FacetName, ...] = get_args(FacetName)
TOP = 20

Wire = dict[str, Any]
Conditions = Sequence[ColumnElement[bool]]

a, p, t = article_table, provider_table, topic_table


def parse_facets(values: Iterable[str]) -> tuple[FacetName, ...]:
    """The facets named in `values` (comma-separated, repeatable), once each, in canonical
    order; empty names (`facets=`, a trailing comma) are ignored.

    Raises:
        InvalidParameter: a name that is not a facet.
    """
    wanted = {name.strip() for value in values for name in value.split(",")} - {""}
    unknown = sorted(wanted.difference(FACETS))
    if unknown:
        raise InvalidParameter(
            f"facets: unknown facet {', '.join(map(repr, unknown))}; "
            f"expected any of {', '.join(FACETS)}",
            "facets",
        )
    return tuple(name for name in FACETS if name in wanted)


def count_facets(
    connection: Connection, conditions: Conditions, names: Sequence[FacetName]
) -> dict[str, list[Wire]]:
    """The facets `names` (a `Facets` object) over the articles matching `conditions`."""
    return {name: _COUNTERS[name](connection, conditions) for name in FACETS if name in names}


def _counted(value: ColumnElement[Any], conditions: Conditions) -> Select[Any]:
    """Matching articles grouped by `value`, with their number as `n`."""
    n = func.count().label("n")
    return select(value.label("value"), n).select_from(a).where(*conditions).group_by(value)


def _top(query: Select[Any], value: ColumnElement[Any], n: ColumnElement[int]) -> Select[Any]:
    return query.order_by(n.desc(), value.asc().nulls_last()).limit(TOP)


def _plain(connection: Connection, query: Select[Any]) -> list[Wire]:
    counted = query.subquery()
    rows = connection.execute(_top(select(counted), counted.c.value, counted.c.n))
    return [{"value": value, "count": n} for value, n in rows]


def _labelled(rows: Iterable[Any]) -> list[Wire]:
    return [{"value": value, "label": label, "count": n} for value, label, n in rows]


def _type_facet(connection: Connection, conditions: Conditions) -> list[Wire]:
    return _plain(connection, _counted(a.c.type, conditions))


def _published_facet(connection: Connection, conditions: Conditions) -> list[Wire]:
    return _plain(connection, _counted(a.c.published, conditions))


def _month_facet(connection: Connection, conditions: Conditions) -> list[Wire]:
    return _plain(
        connection, _counted(month_of(connection.dialect.name, a.c.published_at), conditions)
    )


def _topic_facet(connection: Connection, conditions: Conditions) -> list[Wire]:
    if not conditions:
        # The whole collection: the counters the importer maintains are exact.
        query = select(t.c.slug, t.c.name, t.c.article_count).where(t.c.article_count > 0)
        return _labelled(
            connection.execute(query.order_by(t.c.article_count.desc(), t.c.slug).limit(TOP))
        )
    # An alias: the topic filters' EXISTS over article_topic must not correlate with this join.
    link = article_topic_table.alias("facet_link")
    counted = (
        select(link.c.topic_id, func.count().label("n"))
        .select_from(a)
        .join(link, link.c.article_id == a.c.id)
        .where(*conditions)
        .group_by(link.c.topic_id)
        .subquery()
    )
    query = select(t.c.slug, t.c.name, counted.c.n).join_from(
        counted, t, t.c.id == counted.c.topic_id
    )
    return _labelled(connection.execute(_top(query, t.c.slug, counted.c.n)))


def _provider_facet(connection: Connection, conditions: Conditions) -> list[Wire]:
    if not conditions:
        # The whole collection: exact counters per provider, plus the articles without one.
        query = select(p.c.domain, p.c.name, p.c.article_count).where(p.c.article_count > 0)
        known = connection.execute(query.order_by(p.c.article_count.desc(), p.c.domain).limit(TOP))
        unknown = connection.execute(
            select(func.count()).select_from(a).where(a.c.provider_id.is_(None))
        ).scalar_one()
        buckets = _labelled(known)
        if unknown:
            buckets.append({"value": None, "label": None, "count": unknown})
        # A stable sort: domains keep their order, the null bucket goes after equal counts.
        buckets.sort(key=lambda bucket: (-bucket["count"], bucket["value"] is None))
        return buckets[:TOP]
    counted = _counted(a.c.provider_id, conditions).subquery()
    query = select(p.c.domain, p.c.name, counted.c.n).outerjoin_from(
        counted, p, p.c.id == counted.c.value
    )
    return _labelled(connection.execute(_top(query, p.c.domain, counted.c.n)))


_COUNTERS: dict[FacetName, Callable[[Connection, Conditions], list[Wire]]] = {
    "topic": _topic_facet,
    "provider": _provider_facet,
    "type": _type_facet,
    "published": _published_facet,
    "month": _month_facet,
}
