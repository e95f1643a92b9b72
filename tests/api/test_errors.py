"""Errors are RFC 9457 problem documents naming the offending parameter; /health."""

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from app.main import create_app
from app.settings import Settings
from tests.api.conftest import Spec, assert_problem

# How SQLite and PostgreSQL say that the table `image` is gone.
MISSING_IMAGE_TABLE = r'no such table: image|relation "image" does not exist'

BAD_ARTICLE_PARAMETERS: list[tuple[str, str]] = [
    ("from=2020-06-17&to=2020-06-16", "to"),
    ("from=2020-06-17T19:00:00Z&to=2020-06-17T18:59:59Z", "to"),
    ("from=2020-06-17T12:00:00-07:00&to=2020-06-17T18:59:59Z", "to"),
    ("from=2020-06-17T00:00:00Z&to=2020-06-16", "to"),
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    ("limit=-1", "limit"),
    ("limit=ten", "limit"),
    ("limit=2.5", "limit"),
    ("sort=popular", "sort"),
    ("sort=NEWEST", "sort"),
    ("cursor=not-a-cursor", "cursor"),
    ("min_quality=abc", "min_quality"),
    ("max_quality=1.5", "max_quality"),
    ("min_quality=60&max_quality=59", "max_quality"),
    ("min_quality=18446744073709551616", "min_quality"),
    ("max_quality=-18446744073709551616", "max_quality"),
    ("from=9999-12-31T23:00:00-05:00&to=9999-12-31", "to"),
    ("from=yesterday", "from"),
    ("from=", "from"),
    ("to=2020-13-01", "to"),
    ("from=2020-02-30", "from"),
    ("to=17/06/2020", "to"),
    ("from=2020-06-17T25:00:00Z", "from"),
    ("published=maybe", "published"),
]


@pytest.mark.parametrize(("query", "parameter"), BAD_ARTICLE_PARAMETERS)
def test_bad_parameter_value_is_a_422_problem_naming_it(
    client: TestClient, catalog: tuple[Spec, ...], query: str, parameter: str
) -> None:
    response = client.get(f"/articles?{query}")
    body = assert_problem(response, 422, parameter)
    assert body["type"] == "/problems/invalid-parameter"
    assert body["title"] == "Invalid Parameter"
    assert body["instance"] == "/articles"
    assert parameter in body["detail"]


@pytest.mark.parametrize(
    "query",
    ["from=2020-06-17&to=2020-06-17", "from=2020-06-17T19:00:00Z&to=2020-06-17T19:00:00Z",
     "min_quality=59&max_quality=59", "limit=1", "limit=100", "published=false",
     "min_quality=9223372036854775807", "max_quality=-9223372036854775808",
     "to=9999-12-31", "from=0001-01-01T00:00:00%2B01:00"],
)  # fmt: skip
def test_values_at_the_edge_of_validity_are_accepted(
    client: TestClient, catalog: tuple[Spec, ...], query: str
) -> None:
    response = client.get(f"/articles?{query}")
    assert response.status_code == 200, response.text


def test_every_bad_parameter_is_listed_and_the_first_is_named(
    client: TestClient, catalog: tuple[Spec, ...]
) -> None:
    response = client.get("/articles?limit=0&sort=best&min_quality=x")
    first = response.json()["errors"][0]["parameter"]
    body = assert_problem(response, 422, first)
    assert {error["parameter"] for error in body["errors"]} == {"limit", "sort", "min_quality"}
    assert body["detail"] == body["errors"][0]["detail"]
    for error in body["errors"]:
        assert error["parameter"] in error["detail"]


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/articles/no-such-article", "slug"),
        ("/articles/no-such-article/related", "slug"),
        ("/topics/no-such-topic", "slug"),
        ("/topics/no-such-topic/articles", "slug"),
        ("/providers/no-such.example", "domain"),
        ("/providers/no-such.example/articles", "domain"),
    ],
)
def test_unknown_resource_is_a_404_problem_naming_the_path_parameter(
    client: TestClient, catalog: tuple[Spec, ...], path: str, parameter: str
) -> None:
    body = assert_problem(client.get(path), 404, parameter)
    assert body["type"] == "/problems/not-found"
    assert body["title"] == "Not Found"
    assert body["instance"] == path


@pytest.mark.parametrize("path", ["/nope", "/article", "/articles/a/b/c", "/topics/ai/x"])
def test_unknown_route_is_a_404_problem(client: TestClient, path: str) -> None:
    body = assert_problem(client.get(path), 404)
    assert body["type"] == "/problems/not-found"
    assert body["instance"] == path


def test_wrong_method_is_a_405_problem_with_allow(client: TestClient) -> None:
    response = client.post("/articles", json={})
    body = assert_problem(response, 405)
    assert body["title"] == "Method Not Allowed"
    assert response.headers["allow"] == "GET"


def test_internal_error_is_a_generic_500_problem_without_traceback(
    client: TestClient,
    engine: Engine,
    catalog: tuple[Spec, ...],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE image")
    with caplog.at_level(logging.ERROR, logger="app.errors"):
        response = client.get("/articles")
    body = assert_problem(response, 500)
    assert body == {
        "type": "/problems/internal-error",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The server failed to answer this request; the error has been logged.",
        "instance": "/articles",
    }
    for leak in ("Traceback", 'File "', ".py", "sqlite", "psycopg", "sqlalchemy", "image",
                 "SELECT", "OperationalError", "ProgrammingError", "no such table",
                 "does not exist", "/work", "/tmp"):  # fmt: skip
        assert leak not in response.text
    # The operator gets the whole story in the log, in the words of the engine.
    [record] = [r for r in caplog.records if r.name == "app.errors"]
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], DBAPIError)
    assert re.search(MISSING_IMAGE_TABLE, str(record.exc_info[1]))


def test_internal_error_on_detail_is_a_generic_500_problem(
    client: TestClient, engine: Engine, catalog: tuple[Spec, ...]
) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE related_link")
    response = client.get("/articles/apple")
    body = assert_problem(response, 500)
    assert body["type"] == "/problems/internal-error"
    assert "related_link" not in response.text
    assert "Traceback" not in response.text


def test_health_reports_a_database_that_answers(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.fixture
def client_without_schema(settings: Settings) -> Iterator[TestClient]:
    """A client over the test's database, empty: never migrated."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def test_health_of_a_database_without_schema_is_a_503_problem(
    client_without_schema: TestClient,
) -> None:
    body = assert_problem(client_without_schema.get("/health"), 503)
    assert body["type"] == "/problems/unavailable"
    assert body["title"] == "Service Unavailable"
    assert body["instance"] == "/health"
    assert "Traceback" not in body["detail"]
    assert "articles" not in body["detail"]  # the database file's or schema's name


def test_health_of_a_database_that_cannot_be_opened_is_a_503_problem(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'missing' / 'folder' / 'a.db'}")
    with TestClient(create_app(settings), raise_server_exceptions=False) as unopenable:
        body = assert_problem(unopenable.get("/health"), 503)
    assert body["type"] == "/problems/unavailable"
    assert "missing" not in body["detail"]


def test_health_turns_unavailable_when_the_schema_is_dropped(
    client: TestClient, engine: Engine
) -> None:
    assert client.get("/health").status_code == 200
    with engine.begin() as connection:
        for table in (
            "related_link", "image", "article_topic", "article_source", "article_search", "article"
        ):  # fmt: skip
            connection.exec_driver_sql(f"DROP TABLE {table}")
    assert_problem(client.get("/health"), 503)


def test_lists_of_a_database_without_schema_fail_without_leaking_details(
    client_without_schema: TestClient,
) -> None:
    response = client_without_schema.get("/articles")
    body = assert_problem(response, 500)
    assert "article" not in body["detail"]
    assert "Traceback" not in response.text
