"""iter_article_sources: every matching article's file contents, a batch at a time."""

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from app.errors import InvalidParameter
from app.models import article_table
from app.services.articles import ArticleFilters, TimeBound, parse_time_bound
from app.services.export import iter_article_sources
from tests.api.conftest import CATALOG, import_specs
from tests.conftest import ImportFiles


@pytest.fixture
def catalog_ids(tmp_path: Path, engine: Engine, import_files: ImportFiles) -> dict[str, int]:
    """The API tests' catalog, imported; article ids by slug."""
    import_specs(tmp_path / "catalog", import_files, CATALOG)
    with engine.connect() as connection:
        return dict(connection.execute(select(article_table.c.slug, article_table.c.id)).all())


@pytest.mark.parametrize("batch", [1, 3, 12, 500])
def test_every_article_comes_once_in_id_order_whatever_the_batch_size(
    engine: Engine, catalog_ids: dict[str, int], batch: int
) -> None:
    with engine.connect() as connection:
        slugs = [s.slug for s in iter_article_sources(connection, ArticleFilters(), batch=batch)]

    assert slugs == sorted(catalog_ids, key=catalog_ids.__getitem__)


def test_each_source_is_the_stored_front_matter_and_body(
    engine: Engine, catalog_ids: dict[str, int]
) -> None:
    with engine.connect() as connection:
        sources = {s.slug: s for s in iter_article_sources(connection, ArticleFilters())}

    kiwi = sources["kiwi"]
    assert kiwi.front_matter["title"] == "Title of kiwi"
    assert kiwi.front_matter["publishedDateTime"] == "2020-06-19T10:30:00Z"
    assert "provider" not in kiwi.front_matter
    assert kiwi.body == ""


def test_filters_narrow_the_articles_as_they_narrow_a_list(
    engine: Engine, catalog_ids: dict[str, int]
) -> None:
    filters = ArticleFilters(
        topics=("AI",),
        published_from=parse_time_bound("2020-06-17", "from", upper=False),
        min_quality=50,
    )

    with engine.connect() as connection:
        slugs = {s.slug for s in iter_article_sources(connection, filters, batch=2)}

    assert slugs == {"cherry", "elder", "zucchini", "grape"}


def test_contradictory_filters_are_refused_before_anything_is_read(engine: Engine) -> None:
    day = parse_time_bound("2020-06-17", "from", upper=False).moment
    filters = ArticleFilters(
        published_from=TimeBound(day, inclusive=True),
        published_to=TimeBound(day, inclusive=False),
    )

    with engine.connect() as connection, pytest.raises(InvalidParameter) as raised:
        next(iter_article_sources(connection, filters))

    assert raised.value.parameter == "to"
