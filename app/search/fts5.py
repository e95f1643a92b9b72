"""SQLite's full-text search: a parsed query as an FTS5 MATCH expression, over `article_search`.

Every term becomes an FTS5 string, so nothing a user types is FTS5 syntax: `NEAR(a b)`,
`title:x`, `^x`, `a OR b` are words, and no input can make FTS5 fail to parse the expression.
"""

from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Float,
    Text,
    bindparam,
    case,
    func,
    literal_column,
    select,
)

from app.models import SEARCH_TABLE, search_table
from app.search.highlight import Markers
from app.search.query import SearchQuery, Term
from app.search.source import SearchSource

# bm25 weights of title, excerpt and body: a word in the title counts as much as ten in the
# body. (Weights alone cannot put every title match first: a short body that repeats a word
# outscores a long article with the word in its title. Hence the title rank before bm25.)
COLUMN_WEIGHTS = (10.0, 3.0, 1.0)
SNIPPET_TOKENS = 16
ELLIPSIS = "…"


def match_expression(query: SearchQuery) -> str:
    """The FTS5 query: every included term (implicitly ANDed), then NOT each excluded one."""
    return " NOT ".join([_included(query), *(_string(term) for term in query.excluded)])


def title_expression(query: SearchQuery) -> str:
    """The FTS5 query for titles that contain every included term."""
    return f"{{title}} : {_included(query)}"


def _included(query: SearchQuery) -> str:
    return "(" + " ".join(_string(term) for term in query.included) + ")"


def _string(term: Term) -> str:
    # An FTS5 string: the tokenizer splits it into the phrase of its words; "" escapes ".
    quoted = '"' + term.text.replace('"', '""') + '"'
    return f"{quoted} *" if term.prefix else quoted


def source(query: SearchQuery) -> SearchSource:
    """The FTS5 index as a search source for `query`."""
    table: ColumnClause[Any] = literal_column(SEARCH_TABLE)
    match: ColumnElement[bool] = table.op("MATCH")(
        bindparam("search_match", match_expression(query))
    )
    in_title = (
        select(search_table.c.rowid)
        .where(table.op("MATCH")(bindparam("search_title", title_expression(query))))
        .correlate(None)
    )

    def snippet(markers: Markers) -> ColumnElement[str]:
        # Column -1: FTS5 takes the snippet from the column that matches best.
        return func.snippet(
            table, -1, markers.open, markers.close, ELLIPSIS, SNIPPET_TOKENS, type_=Text
        )

    return SearchSource(
        table=search_table,
        article_id=search_table.c.rowid,
        match=match,
        relevance=(
            case((search_table.c.rowid.in_(in_title), 0.0), else_=1.0),
            func.bm25(table, *COLUMN_WEIGHTS, type_=Float),
        ),
        snippet=snippet,
    )
