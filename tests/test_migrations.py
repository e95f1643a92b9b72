"""The Alembic history builds the schema the models describe, and can be undone."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

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
            context = MigrationContext.configure(connection, opts={"compare_type": True})
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
