"""Search hits: which articles one page of a search shows, and their items with highlights.

A page is found in two steps: first its hits (ids and sort keys only), then the items of those
hits alone, so that the costly parts, the item and its snippet, are never built for every match.
"""

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Row, Select, literal, select

from app.errors import InvalidParameter
from app.models import article_table, catalog_table
from app.search.highlight import Markers, marked_html
from app.search.source import SearchSource
from app.services import keyset
from app.services.keyset import Key

a = article_table
GROUP = "relevance_group"
SCORE = "relevance_score"
# Walking an order's index and testing each article against the set of matches takes about
# (limit + 1) * articles / matches steps; reading every match out of the full-text index and
# sorting them takes a step per match, each some ten times dearer (measured at 20k and 100k).
WALK_ADVANTAGE = 10


def relevance_keys(search: SearchSource, ties: list[Key]) -> list[Key]:
    """The relevance order: the ranked group (title matches first), the score in it, `ties`."""
    return [
        Key(literal(0).label(GROUP), descending=False, kind=int),
        Key(search.score.label(SCORE), descending=False, kind=float),
        *ties,
    ]


def find_hits(
    connection: Connection,
    search: SearchSource,
    conditions: Sequence[ColumnElement[bool]],
    keys: list[Key],
    after: list[Any] | None,
    limit: int,
    *,
    by_relevance: bool,
    matches: int,
) -> list[Row[Any]]:
    """Up to `limit` + 1 hits (the id and the `keys` of each) after `after`, in `keys` order,
    among the matches of `search` that meet `conditions`; `matches`: how many there are (a
    lower bound will do).

    Raises:
        InvalidParameter: a relevance cursor names no ranked group.
    """
    if by_relevance:
        return _ranked_hits(connection, search, conditions, keys, after, limit)
    hits = select(a.c.id, *_columns(keys).values())
    if _walk_is_cheaper(connection, matches, limit):
        # `+ 0`: not a lookup of each match by id, which would leave all of them to sort.
        hits = hits.where((a.c.id + 0).in_(select(search.article_id).where(search.match)))
    else:
        hits = hits.select_from(search.table.join(a, a.c.id == search.article_id))
        hits = hits.where(search.match)
    if after is not None:
        hits = hits.where(keyset.after(keys, after))
    hits = hits.where(*conditions).order_by(*keyset.order_by(keys)).limit(limit + 1)
    return list(connection.execute(hits).all())


def _ranked_hits(
    connection: Connection,
    search: SearchSource,
    conditions: Sequence[ColumnElement[bool]],
    keys: list[Key],
    after: list[Any] | None,
    limit: int,
) -> list[Row[Any]]:
    # Group by group, so that a page full of title matches never scores the other matches.
    first = 0 if after is None else after[0]
    if not 0 <= first < len(search.ranked):
        raise InvalidParameter("cursor: not a cursor this API issued", "cursor")
    within = keys[1:]
    hits: list[Row[Any]] = []
    for group in range(first, len(search.ranked)):
        query = (
            select(a.c.id, literal(group).label(GROUP), *_columns(within).values())
            .select_from(search.table.join(a, a.c.id == search.article_id))
            .where(search.ranked[group], *conditions)
        )
        if after is not None and group == first:
            query = query.where(keyset.after(within, after[1:]))
        query = query.order_by(*keyset.order_by(within)).limit(limit + 1 - len(hits))
        hits.extend(connection.execute(query).all())
        if len(hits) > limit:
            break
    return hits


def _columns(keys: list[Key]) -> dict[str, ColumnElement[Any]]:
    return {keyset.name(key): key.column for key in keys}


def _walk_is_cheaper(connection: Connection, matches: int, limit: int) -> bool:
    articles = connection.execute(select(catalog_table.c.article_count)).scalar() or 0
    return (limit + 1) * articles < WALK_ADVANTAGE * matches * matches


def hit_items(
    connection: Connection, query: Select[Any], hits: Sequence[Row[Any]]
) -> list[Row[Any]]:
    """The rows of `query` (items) for `hits`, in their order."""
    if not hits:
        return []
    rows = connection.execute(query.where(a.c.id.in_([hit.id for hit in hits]))).all()
    by_slug = {row.slug: row for row in rows}
    return [by_slug[hit.slug] for hit in hits]


def highlights(
    connection: Connection, search: SearchSource, hits: Sequence[Row[Any]], markers: Markers
) -> list[str]:
    """The highlight of each hit, in their order: its snippet as HTML, matched words marked."""
    if not hits:
        return []
    rows = connection.execute(search.snippets(markers, [hit.id for hit in hits])).all()
    snippets = {row.article_id: row.snippet for row in rows}
    return [marked_html(snippets.get(hit.id) or "", markers) for hit in hits]


def with_highlights(
    items: list[Any], rows: Sequence[Row[Any]], highlights: list[str], *, rendered: bool
) -> list[Any]:
    """The items of search hits with their `highlight` (as the last key); `rendered`: the items
    are the rows' JSON text (`row.item`), else dicts."""
    if not rendered:
        return [{**item, "highlight": text} for item, text in zip(items, highlights, strict=True)]
    # The JSON object SQLite rendered, its closing brace reopened for one more key.
    return [
        orjson.Fragment(f'{row.item[:-1]},"highlight":{orjson.dumps(text).decode()}}}')
        for row, text in zip(rows, highlights, strict=True)
    ]
