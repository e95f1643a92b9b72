"""The catalog version: read cheaply, and always the last committed import."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.db import make_engine
from app.errors import Unavailable
from app.services.catalog import CatalogReader, CatalogVersion, read_catalog_version
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES, write_article


@pytest.fixture
def reader(engine: Engine) -> Iterator[CatalogReader]:
    catalog = CatalogReader(engine)
    yield catalog
    catalog.close()


def test_a_migrated_database_never_imported_has_no_change_time(reader: CatalogReader) -> None:
    version = reader.read()
    assert version.changed_at is None


def test_the_reader_sees_each_import_as_soon_as_it_commits(
    reader: CatalogReader, engine: Engine, import_files: ImportFiles, tmp_path: Path
) -> None:
    empty = reader.read()
    import_files(FIXTURES)
    first = reader.read()
    write_article(tmp_path, "one-more.md")
    import_files(tmp_path)
    second = reader.read()

    assert empty.generation < first.generation < second.generation
    assert first.changed_at is not None and second.changed_at is not None
    assert first.changed_at <= second.changed_at
    with engine.connect() as connection:
        assert read_catalog_version(connection) == second


def test_an_unchanged_catalog_is_the_same_version(
    reader: CatalogReader, import_files: ImportFiles
) -> None:
    import_files(FIXTURES)
    before = reader.read()
    import_files(FIXTURES)
    assert reader.read() == before


def test_a_database_without_catalog_is_unavailable_until_it_has_one(
    tmp_path: Path, engine: Engine
) -> None:
    bare = make_engine(f"sqlite:///{tmp_path / 'bare.db'}")
    reader = CatalogReader(bare)
    try:
        with pytest.raises(Unavailable):
            reader.read()
        with bare.begin() as connection:
            connection.exec_driver_sql(
                "CREATE TABLE catalog (id INTEGER PRIMARY KEY, article_count BIGINT, "
                "generation BIGINT, changed_at DATETIME)"
            )
            connection.exec_driver_sql(
                "INSERT INTO catalog VALUES (1, 0, 7, '2020-06-17 19:02:00.000000')"
            )
        version = reader.read()
    finally:
        reader.close()
        bare.dispose()
    assert version.generation == 7
    assert (
        version.changed_at is not None and version.changed_at.isoformat() == "2020-06-17T19:02:00"
    )


def test_a_catalog_without_its_row_is_generation_zero(
    engine: Engine, reader: CatalogReader
) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM catalog")
    assert reader.read() == CatalogVersion(0, None)
