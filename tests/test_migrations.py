"""The Alembic history builds the schema the models describe, and can be undone."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from app import migrate
from app.db import make_engine
from app.models import metadata


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


@pytest.mark.sqlite_only("reads the FTS5 index")
def test_upgrade_from_0002_indexes_existing_articles_and_starts_their_change_log(
    database_url: str,
) -> None:
    migrate.upgrade(database_url, "0002")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for article_id, slug in ((1, "first"), (2, "second")):
                connection.execute(
                    text(
                        "INSERT INTO article (id, slug, title, published_at) "
                        "VALUES (:id, :slug, :title, '2020-06-17 19:02:00.000000')"
                    ),
                    {"id": article_id, "slug": slug, "title": f"Zeppelin {slug}"},
                )
                connection.execute(
                    text(
                        "INSERT INTO article_source "
                        "(article_id, path, size, mtime_ns, sha256, front_matter, body) "
                        "VALUES (:id, :path, 1, 1, 'x', '{}', 'airships')"
                    ),
                    {"id": article_id, "path": f"/{slug}.md"},
                )
        migrate.upgrade(database_url)
        with engine.connect() as connection:
            seqs = connection.execute(
                text("SELECT id, created_seq, change_seq FROM article ORDER BY id")
            ).all()
            log_id, last = connection.execute(
                text("SELECT change_log_id, change_seq FROM catalog")
            ).one()
            found = connection.execute(
                text("SELECT rowid FROM article_search WHERE article_search MATCH 'airships'")
            ).scalars()
            assert [tuple(row) for row in seqs] == [(1, 1, 1), (2, 2, 2)]
            assert last == 2
            assert len(log_id) == 32
            assert sorted(found) == [1, 2]
    finally:
        engine.dispose()
