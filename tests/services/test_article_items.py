"""The two ways of building list items (SQL-rendered JSON on SQLite, Python elsewhere) agree."""

import orjson
import pytest
from sqlalchemy import Engine

from app.dialect import summary_json
from app.services.articles import _summary_json_select, summaries, summary_select
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES


@pytest.mark.sqlite_only("only SQLite renders list items as JSON in SQL (summary_json)")
def test_items_rendered_by_sqlite_equal_items_built_in_python(
    engine: Engine, import_files: ImportFiles
) -> None:
    import_files(FIXTURES)
    item_json = summary_json("sqlite")
    assert item_json is not None
    with engine.connect() as connection:
        rows = connection.execute(summary_select().order_by("slug")).all()
        rendered = connection.execute(_summary_json_select(item_json).order_by("slug")).all()
        built = summaries(connection, rows)

    assert len(built) == len([*FIXTURES.glob("*.md"), *FIXTURES.glob("*.txt")])
    assert [orjson.loads(row.item) for row in rendered] == built


def test_other_engines_build_items_in_python() -> None:
    assert summary_json("postgresql") is None
