"""Fixtures: every test gets its own migrated database file and an app over it."""

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app import migrate
from app.db import make_engine
from app.importer.load import ImportReport, import_paths
from app.main import create_app
from app.settings import Settings

ImportFiles = Callable[..., ImportReport]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A fresh SQLite database file for this test."""
    return f"sqlite:///{tmp_path / 'articles.db'}"


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


@pytest.fixture
def engine(database_url: str, migrated_template: Path) -> Iterator[Engine]:
    """An engine over the test's database, migrated to head."""
    target = Path(database_url.removeprefix("sqlite:///"))
    if not target.exists():
        shutil.copyfile(migrated_template, target)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


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
