"""CORS: browsers on any origin by default (or on the configured ones) may read the API."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.main import create_app
from app.settings import Settings
from tests.api.conftest import assert_problem

FRONT = "https://front.example"
OTHER = "https://elsewhere.example"


def preflight(
    client: TestClient, origin: str, method: str = "GET", headers: str | None = None
) -> httpx.Response:
    request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        request_headers["Access-Control-Request-Headers"] = headers
    return client.options("/articles", headers=request_headers)


def listed(response: httpx.Response, name: str) -> set[str]:
    """The comma-separated values of a header, lower-cased."""
    return {value.strip().lower() for value in response.headers.get(name, "").split(",")} - {""}


@pytest.fixture
def front_only(database_url: str, engine: Engine) -> Iterator[TestClient]:
    """A client of an app configured to let only FRONT read it."""
    settings = Settings(database_url=database_url, cors_allow_origins=[FRONT])
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_any_origin_may_read_by_default_and_see_the_validators_and_link(
    client: TestClient,
) -> None:
    response = client.get("/articles", headers={"Origin": OTHER})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert {"etag", "last-modified", "link"} <= listed(response, "access-control-expose-headers")
    assert "access-control-allow-credentials" not in response.headers


def test_a_preflight_for_a_conditional_get_is_allowed_from_any_origin(client: TestClient) -> None:
    response = preflight(client, OTHER, headers="if-none-match, if-modified-since")

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert listed(response, "access-control-allow-methods") == {"get", "head"}
    assert {"if-none-match", "if-modified-since"} <= listed(
        response, "access-control-allow-headers"
    )


@pytest.mark.parametrize(
    ("method", "headers"), [("POST", None), ("DELETE", None), ("GET", "x-custom")]
)
def test_a_preflight_for_anything_but_reading_is_refused(
    client: TestClient, method: str, headers: str | None
) -> None:
    response = preflight(client, OTHER, method=method, headers=headers)
    assert response.status_code == 400


def test_a_304_carries_the_cors_headers(client: TestClient) -> None:
    etag = client.get("/topics", headers={"Origin": OTHER}).headers["etag"]

    response = client.get("/topics", headers={"Origin": OTHER, "If-None-Match": etag})

    assert response.status_code == 304
    assert response.headers["access-control-allow-origin"] == "*"
    assert "etag" in listed(response, "access-control-expose-headers")


def test_an_error_carries_the_cors_headers(client: TestClient) -> None:
    response = client.get("/articles/no-such-article", headers={"Origin": OTHER})
    assert_problem(response, 404, "slug")
    assert response.headers["access-control-allow-origin"] == "*"


def test_a_configured_origin_is_named_and_answers_vary_by_origin(front_only: TestClient) -> None:
    response = front_only.get("/articles", headers={"Origin": FRONT})
    etag = response.headers["etag"]
    revalidated = front_only.get("/articles", headers={"Origin": FRONT, "If-None-Match": etag})

    for answer in (response, revalidated):
        assert answer.headers["access-control-allow-origin"] == FRONT
        assert "origin" in listed(answer, "vary")
    assert revalidated.status_code == 304
    assert preflight(front_only, FRONT, headers="if-none-match").status_code == 200


def test_other_origins_are_not_let_in_when_origins_are_configured(
    front_only: TestClient,
) -> None:
    response = front_only.get("/articles", headers={"Origin": OTHER})
    # The answer itself is served (CORS is enforced by the browser), without permission to read.
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    # A shared cache must not hand an answer made for one origin to another.
    assert "origin" in listed(response, "vary")
    assert "origin" in listed(front_only.get("/articles"), "vary")
    assert preflight(front_only, OTHER).status_code == 400


@pytest.mark.parametrize(
    ("value", "origins"),
    [
        ("*", ["*"]),
        (f"{FRONT}, {OTHER}", [FRONT, OTHER]),
        (f'["{FRONT}"]', [FRONT]),
    ],
)
def test_allowed_origins_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, origins: list[str]
) -> None:
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", value)
    assert Settings().cors_allow_origins == origins


def test_any_origin_is_the_default(database_url: str) -> None:
    assert Settings(database_url=database_url).cors_allow_origins == ["*"]
