"""The Alembic history builds the schema the models describe, and can be undone."""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, DateTime, Engine, Integer, Text, column, insert, inspect, table, text

from app import migrate
from app.db import make_engine
from app.models import metadata
from tests.conftest import ImportFiles
from tests.helpers import FIXTURES


def test_upgrade_of_an_empty_database_reaches_head_with_no_drift_from_the_models(
    database_url: str,
) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": migrate.is_schema_object}
            )
            assert compare_metadata(context, metadata) == []
        assert migrate.current_revision(engine) == migrate.head_revision(database_url)
    finally:
        engine.dispose()


def test_downgrade_to_base_removes_every_table_and_upgrade_restores_them(
    database_url: str,
) -> None:
    migrate.upgrade(database_url)
    migrate.downgrade(database_url, "base")
    engine = make_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(database_url)
        assert set(inspect(engine).get_table_names()) >= set(metadata.tables)
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(database_url: str, tmp_path: Path) -> None:
    migrate.upgrade(database_url)
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision(database_url)
    finally:
        engine.dispose()


def fill_at_0002(database_url: str) -> None:
    """Migrate to 0002 and store two articles there, as an import of that revision would."""
    migrate.upgrade(database_url, "0002")
    # The tables as they were at 0002 (the models describe head).
    article = table(
        "article",
        column("id", Integer),
        column("slug", Text),
        column("title", Text),
        column("published_at", DateTime),
    )
    source = table(
        "article_source",
        *(column(name, Integer) for name in ("article_id", "size", "mtime_ns")),
        *(column(name, Text) for name in ("path", "sha256", "body")),
        column("front_matter", JSON),
    )
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for article_id, slug in ((1, "first"), (2, "second")):
                connection.execute(
                    insert(article).values(
                        id=article_id,
                        slug=slug,
                        title=f"Zeppelin {slug}",
                        published_at=datetime(2020, 6, 17, 19, 2),
                    )
                )
                connection.execute(
                    insert(source).values(
                        article_id=article_id,
                        path=f"/{slug}.md",
                        size=1,
                        mtime_ns=1,
                        sha256="x",
                        front_matter={},
                        body="airships",
                    )
                )
    finally:
        engine.dispose()


@pytest.fixture
def upgraded_from_0002(database_url: str) -> Iterator[Engine]:
    """A database that held two articles at revision 0002, upgraded to head since."""
    fill_at_0002(database_url)
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_upgrade_from_0002_starts_the_change_log_of_existing_articles(
    upgraded_from_0002: Engine,
) -> None:
    with upgraded_from_0002.connect() as connection:
        seqs = connection.execute(
            text("SELECT id, created_seq, change_seq FROM article ORDER BY id")
        ).all()
        log_id, last = connection.execute(
            text("SELECT change_log_id, change_seq FROM catalog")
        ).one()
    assert [tuple(row) for row in seqs] == [(1, 1, 1), (2, 2, 2)]
    assert last == 2
    assert len(log_id) == 32


@pytest.mark.sqlite_only("reads the FTS5 index itself; PostgreSQL search is tested through the API")
def test_upgrade_from_0002_indexes_existing_articles(upgraded_from_0002: Engine) -> None:
    with upgraded_from_0002.connect() as connection:
        found = connection.execute(
            text("SELECT rowid FROM article_search WHERE article_search MATCH 'airships'")
        ).scalars()
        assert sorted(found) == [1, 2]


def test_upgrade_to_0006_copies_each_article_quality_onto_its_topic_links(
    database_url: str, engine: Engine, import_files: ImportFiles
) -> None:
    import_files(FIXTURES)
    migrate.downgrade(database_url, "0005")
    migrate.upgrade(database_url)

    with engine.connect() as connection:
        links = connection.execute(
            text(
                "SELECT article_topic.quality, article.quality FROM article_topic "
                "JOIN article ON article.id = article_topic.article_id"
            )
        ).all()
    assert len(links) > 8
    assert {quality for quality, _ in links} != {None}
    assert all(on_link == on_article for on_link, on_article in links)
