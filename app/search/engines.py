"""Which database engines can search, and how: the one place that picks an engine's index."""

from collections.abc import Callable

from sqlalchemy import Connection

from app.errors import InvalidParameter
from app.search import fts5, postgres
from app.search.query import SearchQuery
from app.search.source import SearchSource

_ENGINES: dict[str, Callable[[SearchQuery], SearchSource]] = {
    "sqlite": fts5.source,
    "postgresql": postgres.source,
}


def has_search_index(dialect_name: str) -> bool:
    """Whether the engine keeps a full-text index (`article_search`) the importer maintains."""
    return dialect_name in _ENGINES


def tidy_search_index(connection: Connection) -> None:
    """Keep the full-text index quick to query after an import wrote to it. PostgreSQL's GIN
    index folds in its pending entries itself; FTS5's segments are merged here."""
    if connection.dialect.name == "sqlite":
        fts5.merge_segments(connection)


def search_source(dialect_name: str, query: SearchQuery) -> SearchSource:
    """The full-text index of the engine `dialect_name`, for `query`.

    Raises:
        InvalidParameter: (naming `q`) the engine has no full-text search here yet.
    """
    build = _ENGINES.get(dialect_name)
    if build is None:
        raise InvalidParameter(
            f"q: full-text search is not available on this database ({dialect_name}); "
            "it needs SQLite or PostgreSQL",
            "q",
        )
    return build(query)
