"""How the API uses its database: read-only, from DATABASE_READ_URL when set, within its pool."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from app.main import create_app
from app.settings import Settings
from tests.api.conftest import assert_problem, slugs
from tests.conftest import ImportFiles
from tests.helpers import write_article


def test_the_api_engine_cannot_write(settings: Settings, engine: Engine) -> None:
    app = create_app(settings)
    api_engine: Engine = app.state.engine
    try:
        with pytest.raises(DBAPIError), api_engine.connect() as connection:
            connection.execute(text("UPDATE catalog SET generation = generation + 1"))
    finally:
        api_engine.dispose()


def test_reads_go_to_the_read_url_when_one_is_set(
    tmp_path: Path, settings: Settings, import_files: ImportFiles
) -> None:
    write_article(tmp_path, "replicated.md")
    import_files(tmp_path)
    # The primary is unreachable; the API never needs it, since it only reads.
    split = settings.model_copy(
        update={
            "database_url": "sqlite:////nonexistent/primary.db",
            "database_read_url": settings.database_url,
        }
    )
    with TestClient(create_app(split), raise_server_exceptions=False) as client:
        assert slugs(client.get("/articles")) == ["replicated"]


def test_a_request_that_finds_no_free_connection_in_time_is_a_503_to_retry(
    settings: Settings, engine: Engine
) -> None:
    tight = settings.model_copy(
        update={
            "database_pool_size": 1,
            "database_max_overflow": 0,
            "database_pool_timeout_s": 0.05,
        }
    )
    app = create_app(tight)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/articles").status_code == 200
        with app.state.engine.connect():
            # Another URL than the first: an answer kept whole would need no connection.
            response = client.get("/articles?limit=3")
        body = assert_problem(response, 503)
        assert response.headers["retry-after"] == "1"
        assert "try again" in body["detail"]
        assert "QueuePool" not in response.text
        assert client.get("/articles").status_code == 200
