"""Search hits are built the same way whichever way the engine builds list items."""

import orjson
from sqlalchemy import Engine

from app.dialect import summary_json
from app.search.highlight import new_markers
from app.search.query import parse_query
from app.services.articles import (
    ArticleFilters,
    _scope,
    _search_page,
    _sort_keys,
    _summary_json_select,
    _with_highlights,
    summaries,
    summary_select,
)
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES


def test_hits_rendered_by_sqlite_equal_hits_built_in_python(
    engine: Engine, import_files: ImportFiles
) -> None:
    import_files(FIXTURES)
    item_json = summary_json("sqlite")
    assert item_json is not None
    markers = new_markers()
    filters = ArticleFilters(q=parse_query("the"))
    with engine.connect() as connection:
        scope = _scope(connection, filters)
        assert scope.search is not None
        keys = _sort_keys("relevance", scope.search)

        def page(query_of_items):  # type: ignore[no-untyped-def]
            query = _search_page(query_of_items, scope, scope.search, keys, None, 10, markers)
            return connection.execute(query).all()

        rendered_rows, built_rows = page(_summary_json_select(item_json)), page(summary_select())
        rendered = _with_highlights(
            [orjson.Fragment(row.item) for row in rendered_rows], rendered_rows, markers,
            rendered=True,
        )  # fmt: skip
        built = _with_highlights(
            summaries(connection, built_rows), built_rows, markers, rendered=False
        )

    assert built
    assert all("<mark>" in item["highlight"] for item in built)
    assert orjson.loads(orjson.dumps(rendered)) == built
