"""Fixtures: every test gets its own migrated database file and an app over it."""

import io
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, inspect, make_url
from sqlalchemy.pool import NullPool

from app import migrate
from app.db import make_engine
from app.importer.load import ImportReport, import_paths
from app.main import create_app
from app.settings import Settings

ImportFiles = Callable[..., ImportReport]


def postgres_server() -> str | None:
    """The PostgreSQL server the suite runs against (TEST_DATABASE_URL), or None for SQLite.
    Any database on it will do: each test gets a database of its own beside it."""
    return os.environ.get("TEST_DATABASE_URL") or None


def pytest_report_header() -> str:
    server = postgres_server()
    return f"database engine: {'PostgreSQL at ' + server if server else 'SQLite'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    server = postgres_server()
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if server and marker is not None:
            reason = marker.args[0] if marker.args else "SQLite only"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))
        if not server and item.get_closest_marker("postgres") is not None:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL to run it")
            )


class PostgresSchemas:
    """Test databases on the PostgreSQL server: each test gets a schema of its own, named in
    its URL's search path, so tests are isolated and can run in any order."""

    def __init__(self, server: str) -> None:
        self.server = make_url(server)
        self.admin = create_engine(self.server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._schema_sql: str | None = None

    def create(self) -> str:
        """A new empty schema; returns the URL that works in it."""
        schema = f"articles_test_{uuid.uuid4().hex[:16]}"
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        url = self.server.update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def migrate(self, url: str) -> None:
        """Bring the empty schema of `url` to head by replaying the SQL the migrations emit
        (Alembic's offline mode, rendered once): much faster than running them each time."""
        if self._schema_sql is None:
            config = migrate.alembic_config(url)
            config.output_buffer = io.StringIO()
            command.upgrade(config, "head", sql=True)
            self._schema_sql = config.output_buffer.getvalue()
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as connection:
            connection.exec_driver_sql(self._schema_sql)
            connection.commit()
        engine.dispose()

    def drop(self, url: str) -> None:
        schema = self.schema(url)
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    @staticmethod
    def schema(url: str) -> str:
        return str(make_url(url).query["options"]).removeprefix("-csearch_path=")

    def is_empty(self, url: str) -> bool:
        with self.admin.connect() as connection:
            return not inspect(connection).get_table_names(schema=self.schema(url))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresSchemas | None]:
    server = postgres_server()
    if server is None:
        yield None
        return
    schemas = PostgresSchemas(server)
    yield schemas
    schemas.admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path, postgres: PostgresSchemas | None) -> Iterator[str]:
    """A fresh, empty database for this test: a SQLite file, or a PostgreSQL schema."""
    if postgres is None:
        yield f"sqlite:///{tmp_path / 'articles.db'}"
        return
    url = postgres.create()
    yield url
    postgres.drop(url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session; tests start from copies of it."""
    path = tmp_path_factory.mktemp("template") / "articles.db"
    migrate.upgrade(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        # Fold the WAL into the main file so that copying the one file copies everything.
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def bring_to_head(
    request: pytest.FixtureRequest, database_url: str, postgres: PostgresSchemas | None
) -> None:
    """Migrate the database at `database_url` to head, unless it has a schema already."""
    if postgres is not None:
        if postgres.is_empty(database_url):
            postgres.migrate(database_url)
    else:
        target = Path(database_url.removeprefix("sqlite:///"))
        if not target.exists():
            shutil.copyfile(request.getfixturevalue("migrated_template"), target)


@pytest.fixture
def engine(
    request: pytest.FixtureRequest, database_url: str, postgres: PostgresSchemas | None
) -> Iterator[Engine]:
    """An engine over the test's database, migrated to head (unless the test migrated it)."""
    bring_to_head(request, database_url, postgres)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def another_engine(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresSchemas | None
) -> Iterator[Engine]:
    """An engine over a second database of the test's, fresh and migrated to head."""
    url = f"sqlite:///{tmp_path / 'another.db'}" if postgres is None else postgres.create()
    bring_to_head(request, url, postgres)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    if postgres is not None:
        postgres.drop(url)


@pytest.fixture
def import_files(engine: Engine) -> ImportFiles:
    """Import paths into the test's database: import_files(path, ..., prune=True, ...)."""

    def run(*paths: Path | str, **options: Any) -> ImportReport:
        options.setdefault("max_file_bytes", 1024 * 1024)
        return import_paths(engine, paths, **options)

    return run


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """An HTTP client of the app over the test's database."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client
