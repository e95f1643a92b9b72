"""The caching middleware over any application: streamed bodies, HEAD, answers with their own
validators, and a database that does not answer."""

from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from app.api.caching import CachingMiddleware
from app.errors import Unavailable
from app.fingerprint import Fingerprint
from app.services.catalog import CatalogVersion

CHUNKS = [b"slug,title\n", b"a,Alpha\n", b"b,Beta\n"]


class Catalog:
    """A catalog version the test sets, and how many answers the application built."""

    def __init__(self) -> None:
        self.version: CatalogVersion | None = CatalogVersion(3, datetime(2020, 6, 17, 19, 2, 5))
        self.answers = 0

    def read(self) -> CatalogVersion:
        if self.version is None:
            raise Unavailable("database does not answer")
        return self.version


@pytest.fixture
def catalog() -> Catalog:
    return Catalog()


@pytest.fixture
def client(catalog: Catalog) -> Iterator[TestClient]:
    async def export(_request: Request) -> Response:
        catalog.answers += 1

        async def rows() -> AsyncIterator[bytes]:
            for chunk in CHUNKS:
                yield chunk

        return StreamingResponse(rows(), media_type="text/csv")

    async def own_validators(_request: Request) -> Response:
        return PlainTextResponse("x", headers={"ETag": '"mine"', "Cache-Control": "no-cache"})

    async def private(_request: Request) -> Response:
        return PlainTextResponse("x", headers={"Cache-Control": "private, max-age=5"})

    async def write(_request: Request) -> Response:
        return PlainTextResponse("written")

    app = Starlette(
        routes=[
            Route("/export.csv", export),
            Route("/own", own_validators),
            Route("/private", private),
            Route("/write", write, methods=["POST"]),
        ]
    )
    app.add_middleware(
        CachingMiddleware,
        read_version=catalog.read,
        fingerprint=Fingerprint(b"code", datetime(2020, 1, 1)),
        max_age=60,
    )
    with TestClient(app) as test_client:
        yield test_client


def test_a_streamed_answer_passes_whole_with_validators(
    client: TestClient, catalog: Catalog
) -> None:
    with client.stream("GET", "/export.csv") as response:
        received = list(response.iter_raw())
    assert b"".join(received) == b"".join(CHUNKS)
    assert response.headers["etag"].startswith('"3-')
    assert response.headers["last-modified"] == "Wed, 17 Jun 2020 19:02:05 GMT"
    assert response.headers["cache-control"] == "public, max-age=60"


def test_a_streamed_answer_is_not_built_again_for_a_current_tag(
    client: TestClient, catalog: Catalog
) -> None:
    etag = client.get("/export.csv").headers["etag"]
    response = client.get("/export.csv", headers={"If-None-Match": etag})
    assert (response.status_code, response.content, catalog.answers) == (304, b"", 1)

    catalog.version = CatalogVersion(4, datetime(2020, 6, 18))
    response = client.get("/export.csv", headers={"If-None-Match": etag})
    assert (response.status_code, response.content, catalog.answers) == (200, b"".join(CHUNKS), 2)


def test_head_of_a_streamed_answer_has_no_body(client: TestClient) -> None:
    response = client.head("/export.csv")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["etag"] == client.get("/export.csv").headers["etag"]


def test_a_star_turns_the_streamed_answer_into_a_304(client: TestClient) -> None:
    response = client.get("/export.csv", headers={"If-None-Match": "*"})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"].startswith('"3-')


def test_an_answer_with_its_own_validators_keeps_them(client: TestClient) -> None:
    response = client.get("/own")
    assert response.headers["etag"] == '"mine"'
    assert response.headers["cache-control"] == "no-cache"
    assert "last-modified" not in response.headers


def test_an_answer_with_its_own_cache_control_keeps_it_and_gets_validators(
    client: TestClient,
) -> None:
    response = client.get("/private")
    assert response.headers["cache-control"] == "private, max-age=5"
    assert response.headers["etag"].startswith('"3-')


def test_other_methods_pass_untouched(client: TestClient) -> None:
    response = client.post("/write", headers={"If-None-Match": "*"})
    assert response.status_code == 200
    assert response.text == "written"
    assert "etag" not in response.headers
    assert "cache-control" not in response.headers


def test_nothing_is_cached_while_the_database_does_not_answer(
    client: TestClient, catalog: Catalog
) -> None:
    catalog.version = None
    response = client.get("/export.csv", headers={"If-None-Match": "*"})
    assert response.status_code == 200
    assert response.content == b"".join(CHUNKS)
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers
