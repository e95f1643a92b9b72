"""PostgreSQL's full-text search: a parsed query as tsquery values, over `article_search`'s
weighted, GIN-indexed `document` (title A, excerpt B, body C; see migration 0005).

Every term reaches PostgreSQL as a bound value, turned into a tsquery by its own functions
(`phraseto_tsquery` for words and phrases, a quoted lexeme with `:*` for a prefix), so nothing a
user types is tsquery syntax, and no input can make PostgreSQL fail to parse it.
"""

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    not_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, REAL, TSQUERY, TSVECTOR

from app.models import search_table
from app.search.highlight import Markers
from app.search.query import SearchQuery, Term
from app.search.source import SearchSource

CONFIG = "articles_search"
# ts_rank's weights of D, C, B, A: body 0.1, excerpt 0.3, title 1 (as SQLite's bm25 10:3:1).
RANK_WEIGHTS = [0.0, 0.1, 0.3, 1.0]
HEADLINE_WORDS = 16
ELLIPSIS = "…"
_WORDS = re.compile(r"\w+")
_NOT_MARKUP = "<\x01"

s = search_table
document = type_coerce(literal_column("article_search.document"), TSVECTOR)


def _config() -> ColumnElement[Any]:
    return literal_column(f"'{CONFIG}'::regconfig")


def _vector(text: ColumnElement[Any]) -> ColumnElement[Any]:
    # As the indexed document is built (migration 0005): markup characters are spaces.
    return func.to_tsvector(_config(), func.translate(text, "<>", "  "), type_=TSVECTOR)


def _term_query(term: Term, name: str) -> ColumnElement[Any]:
    """A term as a tsquery: its words as a phrase, the last one as a prefix if it is one."""
    if not term.prefix:
        return func.phraseto_tsquery(_config(), bindparam(name, term.text), type_=TSQUERY)
    words = _WORDS.findall(term.text)
    if not words:
        return func.phraseto_tsquery(_config(), bindparam(name, term.text), type_=TSQUERY)
    # A quoted lexeme: \w+ holds no quote or backslash to escape.
    last = func.to_tsquery(_config(), bindparam(f"{name}_prefix", f"'{words[-1]}':*"))
    if len(words) == 1:
        return last
    head = func.phraseto_tsquery(_config(), bindparam(name, " ".join(words[:-1])))
    return func.tsquery_phrase(head, last, type_=TSQUERY)


def _all_of(queries: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
    combined = queries[0]
    for query in queries[1:]:
        combined = func.tsquery_and(combined, query, type_=TSQUERY)
    return combined


def queries(query: SearchQuery) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The tsquery of the whole search, and that of its included terms alone."""
    included = _all_of(
        [_term_query(term, f"search_term_{i}") for i, term in enumerate(query.included)]
    )
    whole = included
    for i, term in enumerate(query.excluded):
        excluded = _term_query(term, f"search_excluded_{i}")
        whole = func.tsquery_and(whole, func.tsquery_not(excluded), type_=TSQUERY)
    return whole, included


def source(query: SearchQuery) -> SearchSource:
    """The tsvector index as a search source for `query`."""
    whole, included = queries(query)
    match: ColumnElement[bool] = document.op("@@", is_comparison=True)(whole)
    in_title = _vector(s.c.title).op("@@", is_comparison=True)(included)
    score = -func.ts_rank(cast(RANK_WEIGHTS, ARRAY(REAL)), document, whole)

    def snippets(markers: Markers, article_ids: Sequence[int]) -> Select[Any]:
        options = (
            f'StartSel="{markers.open}", StopSel="{markers.close}", MaxWords={HEADLINE_WORDS}, '
            f'MinWords={HEADLINE_WORDS // 2}, MaxFragments=1, FragmentDelimiter="{ELLIPSIS}"'
        )
        text = func.concat_ws(" ", s.c.excerpt, s.c.body)

        def headline(of: ColumnElement[Any]) -> ColumnElement[str]:
            options_value: ColumnElement[str] = bindparam("headline", options, type_=Text)
            # A control character after each `<` keeps the parser from taking text for markup
            # (it would drop `<script>`'s words); it comes out again after.
            unmarked = func.replace(of, "<", _NOT_MARKUP)
            extract = func.ts_headline(_config(), unmarked, whole, options_value, type_=Text)
            return func.replace(extract, _NOT_MARKUP, "<", type_=Text)

        # From the text that matches best, as FTS5's snippet picks a column: the title when it
        # holds every word, else the excerpt and body when they do, else the title.
        text_matches = _vector(text).op("@@", is_comparison=True)(included)
        snippet = case(
            (in_title, headline(s.c.title)),
            (text_matches, headline(text)),
            else_=headline(s.c.title),
        )
        return select(s.c.rowid.label("article_id"), snippet.label("snippet")).where(
            s.c.rowid.in_(article_ids)
        )

    return SearchSource(
        table=search_table,
        article_id=s.c.rowid,
        match=match,
        ranked=(and_(match, in_title), and_(match, not_(in_title))),
        score=cast(score, Float),
        snippets=snippets,
        # A lookup by the primary key, and the stored vector tested against the query.
        lookups_are_cheap=True,
    )
