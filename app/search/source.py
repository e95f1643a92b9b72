"""The shape every engine's full-text search takes, so that services need not know the engine."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select

from app.search.highlight import Markers


@dataclass(frozen=True)
class SearchSource:
    """An engine's index of the articles' text, for one query.

    The services join `table` on `article_id = article.id` and keep the rows where `match`
    holds. `ranked` splits those matches into groups, best first (each condition used instead
    of `match`): articles whose title holds every word, then the others. In such a query,
    `score` ranks a row within its group (lower first). `snippets(markers, article_ids)` selects
    `article_id, snippet` for those articles: a short extract of each one's best matching text,
    with `markers` around each matched word. `lookups_are_cheap`: whether asking the index
    whether one article matches costs little, however many articles match.
    """

    table: FromClause
    article_id: ColumnElement[Any]
    match: ColumnElement[bool]
    ranked: tuple[ColumnElement[bool], ...]
    score: ColumnElement[float]
    snippets: Callable[[Markers, Sequence[int]], Select[Any]]
    lookups_are_cheap: bool
