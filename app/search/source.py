"""The shape every engine's full-text search takes, so that services need not know the engine."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause

from app.search.highlight import Markers


@dataclass(frozen=True)
class SearchSource:
    """An engine's index of the articles' text, for one query.

    The services join `table` on `article_id = article.id` and keep the rows where `match`
    holds; in such a query, `relevance` ranks a row (numbers compared in turn, lower first)
    and `snippet(markers)` is a short extract of its best matching text with `markers` around
    each matched word.
    """

    table: FromClause
    article_id: ColumnElement[Any]
    match: ColumnElement[bool]
    relevance: tuple[ColumnElement[float], ...]
    snippet: Callable[[Markers], ColumnElement[str]]
