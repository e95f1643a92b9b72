"""SQLite's full-text search: a parsed query as FTS5 MATCH expressions, over `article_search`.

Every term becomes an FTS5 string, so nothing a user types is FTS5 syntax: `NEAR(a b)`,
`title:x`, `^x`, `a OR b` are words, and no input can make FTS5 fail to parse the expression.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Connection,
    Float,
    Select,
    Text,
    bindparam,
    func,
    literal_column,
    select,
    text,
)

from app.models import SEARCH_TABLE, search_table
from app.search.highlight import Markers
from app.search.query import SearchQuery, Term
from app.search.source import SearchSource

# bm25 weights of title, excerpt and body: a word in the title counts as much as ten in the
# body. (Weights alone cannot put every title match first: a short body that repeats a word
# outscores a long article with the word in its title. Hence the ranked groups.)
COLUMN_WEIGHTS = (10.0, 3.0, 1.0)
SNIPPET_TOKENS = 16
ELLIPSIS = "…"
# A query reads every segment of the index that holds its words, and a lookup of one article
# costs about as much again for each segment (15-20 µs at 1M articles). An import writes many
# (FTS5 flushes every megabyte or so of text and merges segments only four at a time): past
# this many, the import merges them into one.
MAX_SEGMENTS = 4


def merge_segments(connection: Connection) -> bool:
    """Merge the index into one segment if it holds more than MAX_SEGMENTS; whether it did.

    This rewrites the whole index (1.7 s for 1M generated articles), so it runs only when
    segments have piled up: after a large import, or after many small ones.
    """
    # FTS5 keys each page of its data table by segment id << 37 | page: ids below 1 << 37 are
    # its own records (structure, averages), not pages.
    count = text(f"SELECT count(DISTINCT id >> 37) FROM {SEARCH_TABLE}_data WHERE id >= 1 << 37")
    if connection.execute(count).scalar_one() <= MAX_SEGMENTS:
        return False
    connection.execute(text(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('optimize')"))
    return True


def match_expression(query: SearchQuery) -> str:
    """The FTS5 query: every included term (implicitly ANDed), then NOT each excluded one."""
    return " NOT ".join([_included(query), *_excluded(query)])


def ranked_expressions(query: SearchQuery) -> tuple[str, str]:
    """The FTS5 queries of the matches whose title holds every included term, and of the
    others."""
    in_title = f"{{title}} : {_included(query)}"
    return (
        " NOT ".join([in_title, *_excluded(query)]),
        " NOT ".join([_included(query), f"({in_title})", *_excluded(query)]),
    )


def _included(query: SearchQuery) -> str:
    return "(" + " ".join(_string(term) for term in query.included) + ")"


def _excluded(query: SearchQuery) -> list[str]:
    return [_string(term) for term in query.excluded]


def _string(term: Term) -> str:
    # An FTS5 string: the tokenizer splits it into the phrase of its words; "" escapes ".
    quoted = '"' + term.text.replace('"', '""') + '"'
    return f"{quoted} *" if term.prefix else quoted


def source(query: SearchQuery) -> SearchSource:
    """The FTS5 index as a search source for `query`."""
    table: ColumnClause[Any] = literal_column(SEARCH_TABLE)

    def matching(name: str, expression: str) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = table.op("MATCH")(bindparam(name, expression))
        return condition

    match = matching("search_match", match_expression(query))
    rowid = search_table.c.rowid
    # FTS5 sets a prefix term up by merging the lists of every word with that prefix, each
    # time it runs the query: once for the page (reading every match), not once per article.
    once = any(term.prefix for term in query.terms)

    def snippets(markers: Markers, article_ids: Sequence[int]) -> Select[Any]:
        # Column -1: FTS5 takes the snippet from the column that matches best.
        snippet = func.snippet(
            table, -1, markers.open, markers.close, ELLIPSIS, SNIPPET_TOKENS, type_=Text
        )
        wanted = (rowid + 0 if once else rowid).in_(article_ids)
        return select(rowid.label("article_id"), snippet.label("snippet")).where(match, wanted)

    return SearchSource(
        table=search_table,
        article_id=rowid,
        match=match,
        ranked=tuple(
            matching(f"search_ranked_{group}", expression)
            for group, expression in enumerate(ranked_expressions(query))
        ),
        score=func.bm25(table, *COLUMN_WEIGHTS, type_=Float),
        snippets=snippets,
        lookups_are_cheap=not once,
    )
