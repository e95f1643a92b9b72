"""Plain-dict pages and batches of the article list, as feeds and CSV downloads read them."""

from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine

from app.errors import InvalidParameter, NotFound
from app.services.articles import (
    ArticleFilters,
    article_batches,
    list_article_dicts,
    list_articles,
)
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES, write_article


@pytest.mark.sqlite_only("only SQLite renders list items as JSON in SQL (summary_json)")
def test_dict_items_equal_the_json_lists_items(engine: Engine, import_files: ImportFiles) -> None:
    import_files(FIXTURES)
    with engine.connect() as connection:
        page = list_articles(connection, ArticleFilters(), limit=5)
        dicts = list_article_dicts(connection, ArticleFilters(), limit=5)

    assert all(isinstance(item, orjson.Fragment) for item in page["items"])
    assert dicts["items"] == orjson.loads(orjson.dumps(page["items"]))
    assert dicts["nextCursor"] == page["nextCursor"]


def test_batches_cover_every_match_once_in_sort_order(
    engine: Engine, import_files: ImportFiles, tmp_path: Path
) -> None:
    for number in range(7):
        write_article(
            tmp_path, f"a{number}.md", quality=number % 3, publishedDateTime=f"2020-06-1{number}"
        )
    import_files(tmp_path)
    with engine.connect() as connection:
        batches = list(article_batches(connection, ArticleFilters(), sort="quality", batch_size=3))

    assert [len(batch) for batch in batches] == [3, 3, 1]
    slugs = [item["slug"] for batch in batches for item in batch]
    assert slugs == ["a5", "a2", "a4", "a1", "a6", "a3", "a0"]


def test_batches_of_no_match_are_none(engine: Engine) -> None:
    with engine.connect() as connection:
        assert (
            list(article_batches(connection, ArticleFilters(), sort="newest", batch_size=3)) == []
        )


def test_batches_refuse_bad_filters_before_yielding_anything(engine: Engine) -> None:
    with engine.connect() as connection:
        with pytest.raises(NotFound):
            article_batches(
                connection, ArticleFilters(within_topic="nope"), sort="newest", batch_size=3
            )
        with pytest.raises(InvalidParameter):
            article_batches(
                connection,
                ArticleFilters(min_quality=2, max_quality=1),
                sort="newest",
                batch_size=3,
            )
