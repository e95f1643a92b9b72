"""Which database engines can search, and how: the one place that picks an engine's index."""

from collections.abc import Callable

from app.errors import InvalidParameter
from app.search import fts5
from app.search.query import SearchQuery
from app.search.source import SearchSource

# PostgreSQL's own full-text search (tsvector, GIN) is to be added here, next to SQLite's.
_ENGINES: dict[str, Callable[[SearchQuery], SearchSource]] = {"sqlite": fts5.source}


def search_source(dialect_name: str, query: SearchQuery) -> SearchSource:
    """The full-text index of the engine `dialect_name`, for `query`.

    Raises:
        InvalidParameter: (naming `q`) the engine has no full-text search here yet.
    """
    build = _ENGINES.get(dialect_name)
    if build is None:
        raise InvalidParameter(
            f"q: full-text search is not available on this database ({dialect_name}); "
            "it needs SQLite for now",
            "q",
        )
    return build(query)
