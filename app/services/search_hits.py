"""Search hits: which articles one page of a search shows, and their items with highlights.

A page is found in two steps: first its hits (ids and sort keys only), then the items of those
hits alone, so that the costly parts, the item and its snippet, are never built for every match.
"""

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Row, Select, bindparam, exists, literal, select

from app.errors import InvalidParameter
from app.models import article_table, catalog_table
from app.search.highlight import Markers, marked_html
from app.search.source import SearchSource
from app.services import keyset
from app.services.keyset import Key

a = article_table
GROUP = "relevance_group"
HIT_IDS = "hit_ids"
SCORE = "relevance_score"
# Walking an order's index and testing each article against the set of matches takes about
# (limit + 1) * articles / matches steps; reading every match out of the full-text index and
# sorting them takes a step per match, each some ten times dearer (measured at 20k and 100k).
WALK_ADVANTAGE = 10
# Where the index looks one article up cheaply, a dense walk asks it about each article it
# reaches instead of first reading every match (which can be most articles): a chunk of the
# order at a time, sized by the density met so far. Asking about one article costs about as
# much as reading PROBE_COST matches into a set (20 µs against 0.17 µs at 1M articles): once
# the rest of the walk, at the density met so far, would cost more than reading the matches
# (or past PROBE_BUDGET articles asked about), the walk goes on against the set of matches.
PROBE_CHUNK = 64
PROBE_COST = 100
PROBE_BUDGET = 1_000


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
    if not _walk_is_cheaper(connection, matches, limit):
        hits = select(a.c.id, *_columns(keys).values())
        hits = hits.select_from(search.table.join(a, a.c.id == search.article_id))
        hits = hits.where(search.match, *_resuming(keys, after), *conditions)
        return list(connection.execute(hits.order_by(*keyset.order_by(keys)).limit(limit + 1)))
    found: list[Row[Any]] = []
    if search.lookups_are_cheap:
        found, after = _probe_walk(
            connection, search, conditions, keys, after, limit + 1, matches=matches
        )
        if after is None:
            return found
    # `+ 0`: not a lookup of each match by id, which would leave all of them to sort.
    matching = (a.c.id + 0).in_(select(search.article_id).where(search.match))
    hits = select(a.c.id, *_columns(keys).values())
    hits = hits.where(matching, *_resuming(keys, after), *conditions)
    hits = hits.order_by(*keyset.order_by(keys)).limit(limit + 1 - len(found))
    return found + list(connection.execute(hits))


def _probe_walk(
    connection: Connection,
    search: SearchSource,
    conditions: Sequence[ColumnElement[bool]],
    keys: list[Key],
    after: list[Any] | None,
    wanted: int,
    *,
    matches: int,
) -> tuple[list[Row[Any]], list[Any] | None]:
    """Up to `wanted` hits after `after`, found by walking the order and asking the index about
    each article; and where the walk stopped short (the keys of the last article it asked
    about), or None when it found them all or reached the end of the order. `matches`: how
    many articles match (a lower bound will do)."""
    found: list[Row[Any]] = []
    asked, chunk = 0, PROBE_CHUNK
    while True:
        window = (
            select(a.c.id, *_columns(keys).values())
            .where(*_resuming(keys, after), *conditions)
            .order_by(*keyset.order_by(keys))
            .limit(chunk)
            .subquery()
        )
        matched = exists().where(search.match, search.article_id == window.c.id)
        rows = connection.execute(
            select(window, matched.label("matched")).order_by(
                *keyset.order_by(keyset.on(keys, window))
            )
        ).all()
        found.extend(row for row in rows if row.matched)
        asked += len(rows)
        if len(found) >= wanted or len(rows) < chunk:
            return found[:wanted], None
        after = [getattr(rows[-1], keyset.name(key)) for key in keys]
        if not found or asked >= PROBE_BUDGET:
            return found, after
        rest = (wanted - len(found)) * asked // len(found) + 1
        if rest * PROBE_COST > matches:
            return found, after
        # Enough for the rest at the density met so far, and half as many again.
        chunk = min(max(rest * 3 // 2, PROBE_CHUNK), PROBE_BUDGET - asked)


def _resuming(keys: list[Key], after: list[Any] | None) -> list[ColumnElement[bool]]:
    return [] if after is None else [keyset.after(keys, after)]


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


_ARTICLE_COUNT = select(catalog_table.c.article_count)


def _walk_is_cheaper(connection: Connection, matches: int, limit: int) -> bool:
    articles = connection.execute(_ARTICLE_COUNT).scalar() or 0
    return (limit + 1) * articles < WALK_ADVANTAGE * matches * matches


def by_hit_ids(query: Select[Any]) -> Select[Any]:
    """`query` (items) narrowed to the articles `hit_items` gives it: a statement to build
    once and reuse."""
    return query.where(a.c.id.in_(bindparam(HIT_IDS, expanding=True)))


def hit_items(
    connection: Connection, query: Select[Any], hits: Sequence[Row[Any]]
) -> list[Row[Any]]:
    """The rows of `query` (made by `by_hit_ids`) for `hits`, in their order."""
    if not hits:
        return []
    rows = connection.execute(query, {HIT_IDS: [hit.id for hit in hits]}).all()
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
